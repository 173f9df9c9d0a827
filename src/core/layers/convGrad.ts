import * as tf from '@tensorflow/tfjs';
import { DEFAULT_PATH, type ComputePath } from './computePath';

/**
 * A stride-1 'same' convolution with odd kernels whose gradients are computed by the project rather than
 * by tfjs's Conv2DBackpropFilter/Input kernels:
 *  - dx = conv(dy, K flipped in space with in/out swapped): the transpose of a 'same' convolution with an
 *    odd kernel is a 'same' convolution with the flipped kernel;
 *  - dK[a, b] = x_shifted(a, b)ᵀ · dy for each tap (a, b): one matrix product per tap over all positions,
 *    skipping taps a mask keeps at zero.
 * Measured on the tfjs cpu backend and on WebGPU (see ../shared/gpu/README.md) the matmul form of dK is
 * several times faster than tfjs's filter gradient, and it gives the wasm backend, which has no
 * Conv2DBackpropFilter kernel at all, the ability to train.
 *
 * `liveTaps[a * kw + b]` false means tap (a, b) is masked out: its gradient is zero and not computed.
 * With `path.project` off, tfjs's conv2d and its gradients.
 */
export function convSame(x: tf.Tensor4D, kernel: tf.Tensor4D, liveTaps?: boolean[], path: ComputePath = DEFAULT_PATH): tf.Tensor4D {
  if (!path.project) return tf.conv2d(x, kernel, 1, 'same');
  const [kh, kw, cin, cout] = kernel.shape;
  if (kh % 2 === 0 || kw % 2 === 0) throw new Error(`convSame needs odd kernels, got ${kh}×${kw}`);
  // customGrad's typing takes (...inputs, save) as one variadic list.
  const f = tf.customGrad(((xs: tf.Tensor, ks: tf.Tensor, save: tf.GradSaveFunc) => {
    const xi = xs as tf.Tensor4D;
    const k = ks as tf.Tensor4D;
    save([xi, k]);
    return {
      value: tf.conv2d(xi, k, 1, 'same'), // [B,H,W,cin] ⊛ [kh,kw,cin,cout] → [B,H,W,cout]
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor4D;
        const [xv, kv] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [b, h, w] = xv.shape;
        // dx: 'same' conv of dy with the spatially flipped kernel, [kh,kw,cout,cin]
        const flipped = tf.transpose(tf.reverse(kv, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dx = tf.conv2d(g, flipped, 1, 'same');
        // dK: per tap, (shifted x)ᵀ · dy over all B·H·W positions
        const ph = (kh - 1) / 2;
        const pw = (kw - 1) / 2;
        const xp = tf.pad(xv, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
        const dyFlat = g.reshape([b * h * w, cout]) as tf.Tensor2D;
        const taps: tf.Tensor[] = [];
        for (let a = 0; a < kh; a++)
          for (let c = 0; c < kw; c++) {
            if (liveTaps && !liveTaps[a * kw + c]) {
              taps.push(tf.zeros([cin, cout]));
              continue;
            }
            const xs2 = xp.slice([0, a, c, 0], [b, h, w, cin]).reshape([b * h * w, cin]) as tf.Tensor2D;
            taps.push(matMulT(xs2, dyFlat, true, false)); // [cin, BHW]·[BHW, cout] → [cin, cout]
          }
        const dk = tf.stack(taps).reshape([kh, kw, cin, cout]);
        return [dx, dk];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, kernel) as tf.Tensor4D;
}

/** Which taps of a [kh,kw,cin,cout] mask have any non-zero entry. */
export function liveTapsOf(mask: Float32Array, kh: number, kw: number, cin: number, cout: number): boolean[] {
  const per = cin * cout;
  const live: boolean[] = [];
  for (let t = 0; t < kh * kw; t++) {
    let any = false;
    for (let i = t * per; i < (t + 1) * per && !any; i++) any = mask[i] !== 0;
    live.push(any);
  }
  return live;
}

/**
 * A matrix product with transposed operands, done the way the backend runs fastest: the wasm backend runs
 * matMul with transpose flags 10–20× slower than a plain product (measured here: 1 s against 55 ms for
 * [96,4096]ᵀ·[4096,768]), so there the operand is transposed first; elsewhere the flags are cheaper than
 * a transpose (on the cpu backend an explicit transpose cost about 2.5 s per training step).
 */
export function matMulT<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, transposeA: boolean, transposeB: boolean): T {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB) as T;
  const t = (m: T) => (m.rank === 3 ? tf.transpose(m, [0, 2, 1]) : tf.transpose(m)) as T; // batched: the last two axes
  return tf.matMul(transposeA ? t(a) : a, transposeB ? t(b) : b) as T;
}

/**
 * x · w for x [N, cin] and w [cin, cout] (or a batch of G such products, [G,N,cin]·[G,cin,cout]), with
 * gradients dx = dy · wᵀ and dw = xᵀ · dy through matMulT (tfjs's own matMul gradient always passes
 * transpose flags). With `path.project` off, tfjs's matMul and its gradient.
 */
export function linear<T extends tf.Tensor2D | tf.Tensor3D>(x: T, w: T, path: ComputePath = DEFAULT_PATH): T {
  if (!path.project) return tf.matMul(x, w) as T;
  const f = tf.customGrad(((xs: tf.Tensor, ws: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, ws]);
    return {
      value: tf.matMul(xs as T, ws as T), // [(G,)N,cin]·[(G,)cin,cout] → [(G,)N,cout]
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xv, wv] = saved as [T, T];
        const g = dy as T;
        return [matMulT(g, wv, false, true), matMulT(xv, g, true, false)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as T;
}

/**
 * G independent products x[g] · w[g] ([G,N,cin]·[G,cin,cout] → [G,N,cout]) with linear()'s gradients: one
 * batched product where the backend runs those well (one dispatch on WebGPU), G plain ones on wasm, whose
 * batched matMul is about 6× slower than the same products done one by one ([2,256,48]·[2,48,96]: 3.4 ms against 2 × 0.27 ms).
 */
export function linearGroups(x: tf.Tensor3D, w: tf.Tensor3D, path: ComputePath = DEFAULT_PATH): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return linear(x, w, path);
  return tf.tidy(() => {
    const ws = tf.unstack(w) as tf.Tensor2D[];
    return tf.stack((tf.unstack(x) as tf.Tensor2D[]).map((xg, g) => linear(xg, ws[g]!, path))) as tf.Tensor3D;
  });
}

/** matMulT for G independent products [G,·,·]: batched where that is fast, one by one on wasm (see linearGroups). */
export function groupMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return matMulT(a, b, transposeA, transposeB);
  return tf.tidy(() => {
    const bs = tf.unstack(b) as tf.Tensor2D[];
    return tf.stack((tf.unstack(a) as tf.Tensor2D[]).map((ag, g) => matMulT(ag, bs[g]!, transposeA, transposeB))) as tf.Tensor3D;
  });
}
