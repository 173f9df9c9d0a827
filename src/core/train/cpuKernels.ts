import * as tf from '@tensorflow/tfjs';

/**
 * Faster versions of two tfjs 'cpu' (JavaScript backend) kernels that training leans on, installed by the
 * Trainer when it runs on 'cpu'. Both give bit-identical results; only the speed differs.
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
 * Installing it replaces the registered 'cpu' kernel for the whole page/process (idempotent).
 */

interface CpuBackendLike {
  data: { get(id: unknown): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

let installed = false;

export function installFastCpuConvKernels(): void {
  if (installed) return;
  installFastSlice();
  const name = 'Conv2DBackpropFilter';
  const original = tf.getKernel(name, 'cpu');
  if (!original) return; // the cpu backend is not registered in this bundle
  installed = true;
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({
    kernelName: name,
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
  });
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

type Flat = Float32Array | Int32Array | Uint8Array;

/** Copies x[begin : begin+size] of a dense row-major array into out, one innermost row at a time. */
function copySlice(vals: Flat, shape: number[], begin: number[], size: number[], out: Flat): void {
  const rank = shape.length;
  const length = out.length;
  if (length === 0) return;
  if (rank === 0 || tf.slice_util.isSliceContinous(shape, begin, size)) {
    const off = rank === 0 ? 0 : tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(shape));
    out.set(vals.subarray(off, off + length));
    return;
  }
  const strides = tf.util.computeStrides(shape);
  const inner = size[rank - 1]!;
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

interface SliceArgs {
  inputs: { x: tf.TensorInfo };
  attrs: { begin: number | number[]; size: number | number[] };
}

/**
 * Replaces a backend's Slice kernel with `run` for numeric tensors. Strings go to the original kernel, and
 * so do contiguous slices when `keepContiguous` (tfjs-cpu's own handles those without a per-element copy).
 */
function replaceSlice(
  backendName: string,
  keepContiguous: boolean,
  run: (x: tf.TensorInfo, begin: number[], size: number[], backend: unknown) => tf.TensorInfo,
): void {
  const original = tf.getKernel('Slice', backendName);
  if (!original) return;
  tf.unregisterKernel('Slice', backendName);
  tf.registerKernel({
    kernelName: 'Slice',
    backendName,
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as SliceArgs;
      const { x } = inputs;
      if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return original.kernelFunc(args);
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
      if (keepContiguous && (x.shape.length < 2 || tf.slice_util.isSliceContinous(x.shape, begin, size))) return original.kernelFunc(args);
      tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
      return run(x, begin, size, args.backend);
    },
  });
}

function installFastSlice(): void {
  replaceSlice('cpu', true, (x, begin, size, backend) => {
    const b = backend as CpuBackendLike;
    const vals = b.data.get(x.dataId).values as unknown as Flat;
    const out = new (vals.constructor as new (n: number) => Flat)(size.reduce((a, c) => a * c, 1));
    copySlice(vals, x.shape, begin, size, out);
    return b.makeTensorInfo(size, x.dtype, out as Float32Array);
  });
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Flat;
}

let wasmInstalled = false;

/**
 * Slice for the 'wasm' backend. tfjs-backend-wasm 4.22 reads the whole input out of the WebAssembly heap
 * (a copy) for every slice, so unstacking the 63 skewed columns of a [63,8,32,96] map copied 63 × 6 MB:
 * 0.25–1.1 s, the largest item of a Diagonal BiLSTM training step. This one reads the heap in place; the
 * copied values are the same.
 */
export function installFastWasmSlice(): void {
  if (wasmInstalled) return;
  wasmInstalled = true;
  replaceSlice('wasm', false, (x, begin, size, backend) => {
    const b = backend as WasmBackendLike;
    const out = b.makeOutput(size, x.dtype); // may grow the heap: take the views after it
    copySlice(b.typedArrayFromHeap(x), x.shape, begin, size, b.typedArrayFromHeap(out));
    return out;
  });
}
