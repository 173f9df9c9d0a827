import * as tf from '@tensorflow/tfjs';

/**
 * Which gradients the masked layers use: the project's (default) or tfjs's own Conv2DBackpropFilter/Input
 * and conv2d for 1×1 layers. Only benchmarks and equivalence tests switch it, to compare the two paths.
 */
export const gradientPath = { project: true };

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
 */
export function convSame(x: tf.Tensor4D, kernel: tf.Tensor4D, liveTaps?: boolean[]): tf.Tensor4D {
  if (!gradientPath.project) return tf.conv2d(x, kernel, 1, 'same');
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
        const dyFlat = g.reshape([b * h * w, cout]);
        const taps: tf.Tensor[] = [];
        for (let a = 0; a < kh; a++)
          for (let c = 0; c < kw; c++) {
            if (liveTaps && !liveTaps[a * kw + c]) {
              taps.push(tf.zeros([cin, cout]));
              continue;
            }
            const xs2 = xp.slice([0, a, c, 0], [b, h, w, cin]).reshape([b * h * w, cin]);
            taps.push(tf.matMul(tf.transpose(xs2), dyFlat)); // [cin, BHW]·[BHW, cout] → [cin, cout]
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
 * x · w for x [N, cin] and w [cin, cout], with gradients that transpose explicitly (dx = dy · wᵀ,
 * dw = xᵀ · dy). tfjs's own matMul gradient passes transpose flags instead, which the wasm backend runs
 * 10–20× slower than a plain product (measured here: 1 s against 55 ms for [96,4096]ᵀ·[4096,768]).
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (!gradientPath.project) return tf.matMul(x, w);
  const f = tf.customGrad(((xs: tf.Tensor, ws: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, ws]);
    return {
      value: tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D), // [N,cin]·[cin,cout] → [N,cout]
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xv, wv] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        return [tf.matMul(g, tf.transpose(wv)), tf.matMul(tf.transpose(xv), g)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, w) as tf.Tensor2D;
}
