import * as tf from '@tensorflow/tfjs';

/**
 * Faster versions of two tfjs 'cpu' (JavaScript backend) kernels that training leans on. The Trainer
 * registers them for the span of each step on 'cpu' (`useFastCpuKernels()`, undone when the step ends),
 * so the rest of the process keeps tfjs's own kernels. Both give bit-identical results; only the speed
 * differs.
 *
 * Slice: tfjs-backend-cpu 4.22 copies a non-contiguous slice element by element through
 * `TensorBuffer.indexToLoc/get/set` (an array allocation per element): 0.2–0.3 s for one
 * [16,30,30,16] → [16,28,28,16] slice, which the per-tap convolution gradients of
 * src/core/layers/convGrad.ts take once per kernel tap. This one copies whole innermost rows.
 *
 * Conv2DBackpropFilter (the filter gradient of conv2d):
 *
 * tfjs-backend-cpu 4.22 computes Conv2DBackpropFilter through `TensorBuffer.get(b, r, c, d)` for every
 * multiply: a 7×7 conv on a batch of 16 28×28 images took 10+ s, so no conv net could train on 'cpu'.
 * This kernel does the same sums with flat indexing: the same terms, added in the same order (b, row,
 * column) into a float64 accumulator and rounded to float32 once, so its results equal the original's
 * bit for bit — only faster (about 50×). Channels-first inputs go to the original kernel.
 *
 * `installFastCpuConvKernels()` replaces the registered 'cpu' kernels for the whole page/process for good
 * (idempotent): for benchmarks that want the fast kernels everywhere.
 */

interface CpuBackendLike {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

const KERNELS = ['Slice', 'Conv2DBackpropFilter'] as const;

/** The kernels tfjs registered, while ours are in place. */
let originals: Map<string, tf.KernelConfig> | null = null;
/** Scopes that use our kernels now (plus 1, forever, after installFastCpuConvKernels). */
let users = 0;

/**
 * Registers the fast kernels until the returned function is called (nested and overlapping uses are
 * counted: tfjs's own come back when the last one ends). Does nothing where the cpu backend is absent.
 */
export function useFastCpuKernels(): () => void {
  if (users === 0) {
    const found = new Map<string, tf.KernelConfig>();
    for (const name of KERNELS) {
      const k = tf.getKernel(name, 'cpu');
      if (k) found.set(name, k);
    }
    if (found.size < KERNELS.length) return () => {}; // the cpu backend is not registered in this bundle
    originals = found;
    for (const name of KERNELS) tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(fastSlice(found.get('Slice')!));
    tf.registerKernel(fastConv2DBackpropFilter(found.get('Conv2DBackpropFilter')!));
  }
  users++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--users > 0 || !originals) return;
    for (const name of KERNELS) {
      tf.unregisterKernel(name, 'cpu');
      tf.registerKernel(originals.get(name)!);
    }
    originals = null;
  };
}

let installed = false;

/** The fast kernels for the rest of the process. */
export function installFastCpuConvKernels(): void {
  if (installed) return;
  installed = true;
  useFastCpuKernels();
}

function fastConv2DBackpropFilter(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as {
        inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
        attrs: {
          strides: [number, number] | number;
          pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
          dataFormat: 'NHWC' | 'NCHW';
          dimRoundingMode?: 'floor' | 'round' | 'ceil';
          filterShape: [number, number, number, number];
        };
      };
      if (attrs.dataFormat === 'NCHW' || inputs.x.dtype !== 'float32' || inputs.dy.dtype !== 'float32') return original.kernelFunc(args);
      return conv2dBackpropFilterNHWC(inputs.x, inputs.dy, attrs, args.backend as unknown as CpuBackendLike);
    },
  };
}

function conv2dBackpropFilterNHWC(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  },
  backend: CpuBackendLike,
): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const acc = new Float64Array(fh * fw * ci * co); // dW[wR, wC, d1, d2]
  // For every output position (b, yR, yC) in order, add x[b, xR, xC, d1] · dy[b, yR, yC, d2] to each tap.
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * co;
        for (let wR = 0; wR < fh; wR++) {
          const xR = yR * sh + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < fw; wC++) {
            const xC = yC * sw + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * ci;
            let wOff = (wR * fw + wC) * ci * co;
            for (let d1 = 0; d1 < ci; d1++, wOff += co) {
              const a = xv[xOff + d1]!;
              for (let d2 = 0; d2 < co; d2++) acc[wOff + d2]! += a * dyv[dyOff + d2]!;
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(attrs.filterShape, 'float32', Float32Array.from(acc));
}

function fastSlice(original: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'Slice',
    backendName: 'cpu',
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as {
        inputs: { x: tf.TensorInfo };
        attrs: { begin: number | number[]; size: number | number[] };
        backend: CpuBackendLike;
      };
      const { x } = inputs;
      if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return original.kernelFunc(args);
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
      const rank = x.shape.length;
      if (rank < 2 || tf.slice_util.isSliceContinous(x.shape, begin, size)) return original.kernelFunc(args);
      tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
      const vals = backend.data.get(x.dataId).values as unknown as Float32Array | Int32Array | Uint8Array;
      const strides = tf.util.computeStrides(x.shape);
      const length = size.reduce((a, b) => a * b, 1);
      const inner = size[rank - 1]!;
      const out = new (vals.constructor as new (n: number) => typeof vals)(length);
      if (length > 0) {
        const idx = new Array<number>(rank - 1).fill(0);
        for (let o = 0; o < length; o += inner) {
          let off = begin[rank - 1]!;
          for (let d = 0; d < rank - 1; d++) off += (idx[d]! + begin[d]!) * strides[d]!;
          out.set(vals.subarray(off, off + inner), o);
          for (let d = rank - 2; d >= 0; d--) {
            if (++idx[d]! < size[d]!) break;
            idx[d] = 0;
          }
        }
      }
      return backend.makeTensorInfo(size, x.dtype, out as Float32Array);
    },
  };
}
