/**
 * Receptive fields by gradients: how strongly one sub-pixel's prediction depends on every sub-pixel of the
 * input. The causality tests (test/core/causality.test.ts) and the app's receptive-field explorer use the same
 * function, `subPixelInputGradient`.
 *
 * Exact zeros mean "cannot depend on": every later sub-pixel (the model is causal), and earlier ones outside
 * the field (the PixelCNN's blind spot, the Row LSTM's missing sides). A masked weight is exactly zero and so
 * is every product through it, so these zeros are exact, not merely small.
 */
import * as tf from '@tensorflow/tfjs';
import type { PixelModel } from './models/pixelModel';

/** A sub-pixel: pixel (row, col) and its colour `channel` (0 for binary and grey models). */
export interface SubPixel {
  row: number;
  col: number;
  channel: number;
}

/**
 * Gradient of `f(logits of one sub-pixel)` with respect to the input images x [B,H,W,C] (raw values), as a
 * tensor [B,H,W,C] the caller disposes. The logits are [K]: 256 for a 256-way softmax, 1 (the sigmoid's
 * logit) for a binary model. `image` is the batch index whose sub-pixel is taken; `small`, the small images of
 * a multi-scale pair's conditional half. Also returns the value of f.
 */
export function subPixelInputGradient(
  model: PixelModel,
  x: tf.Tensor4D,
  at: SubPixel & { image?: number },
  f: (logits: tf.Tensor1D) => tf.Scalar,
  small?: tf.Tensor4D,
): { value: tf.Scalar; grad: tf.Tensor4D } {
  const { height: H, width: W, channels: C } = model.config;
  const { row, col, channel } = at;
  const b = at.image ?? 0;
  if (!(row >= 0 && row < H && col >= 0 && col < W && channel >= 0 && channel < C && b >= 0 && b < x.shape[0]))
    throw new Error(`Sub-pixel (${row}, ${col}, ${channel}) of image ${b} is outside the model's ${H}×${W}×${C} images (batch of ${x.shape[0]})`);
  const K = model.config.output === 'binary' ? 1 : 256;
  return tf.tidy(() => {
    const g = tf.valueAndGrad((input: tf.Tensor) => {
      const l = model.logits(input as tf.Tensor4D, small);
      // 4-D slices only: tfjs-webgpu cannot pad (the slice gradient) a 5-D tensor.
      const [n, h, w] = l.shape;
      const sel = l.reshape([n!, h!, w!, -1]).slice([b, row, col, channel * K], [1, 1, 1, K]).reshape([K]) as tf.Tensor1D;
      return f(sel);
    });
    const { value, grad } = g(x);
    return { value, grad: grad as tf.Tensor4D };
  });
}

/**
 * log p(value | earlier sub-pixels) from one sub-pixel's logits [K] (a scalar tensor): log-softmax for 256
 * classes, log-sigmoid for a binary one (value 0 or 1), computed so that it stays finite.
 */
export function subPixelLogProb(logits: tf.Tensor1D, value: number): tf.Scalar {
  return tf.tidy(() => {
    if (logits.shape[0] === 1) {
      // log p(t) = t·l − softplus(l)
      const l = logits.reshape([]) as tf.Scalar;
      return tf.sub(tf.mul(value ? 1 : 0, l), tf.softplus(l)) as tf.Scalar;
    }
    return tf.logSoftmax(logits).slice([value], [1]).reshape([]) as tf.Scalar;
  });
}

export interface ReceptiveField {
  height: number;
  width: number;
  channels: number;
  /** The sub-pixel whose log-probability was differentiated. */
  at: SubPixel;
  /** Its log-probability of its actual value, in nats. */
  logProb: number;
  /** |∂ log p(x_at) / ∂ x| for every sub-pixel [H·W·C] (HWC, raster order); zero at `at` and after it. */
  magnitude: Float32Array;
  /** Per pixel, the largest magnitude of its sub-pixels [H·W]. */
  perPixel: Float32Array;
}

/**
 * The receptive field of sub-pixel `at` of one image [H·W·C] (raw values: 0/1 for binary models, 0..255
 * otherwise): the magnitude of the gradient of its log-probability (of the value the image has there) with
 * respect to every sub-pixel of the input. Leaves no tensors behind.
 */
export async function receptiveField(model: PixelModel, image: ArrayLike<number>, at: SubPixel, small?: ArrayLike<number>): Promise<ReceptiveField> {
  const { height: H, width: W, channels: C, condition } = model.config;
  if (image.length !== H * W * C) throw new Error(`The image has ${image.length} sub-pixels; this model's images have ${H}×${W}×${C} = ${H * W * C}`);
  if (condition && small?.length !== condition.smallHeight * condition.smallWidth * C) throw new Error('This model draws its pixels given a small image: pass the small image');
  const value = image[(at.row * W + at.col) * C + at.channel]!;
  const hi = model.config.output === 'binary' ? 1 : 255;
  if (!(Number.isInteger(value) && value >= 0 && value <= hi)) throw new Error(`Sub-pixel value ${value} is not one this model draws (0…${hi})`);
  const x = tf.tensor4d(Float32Array.from(image), [1, H, W, C]);
  const s = condition ? tf.tensor4d(Float32Array.from(small!), [1, condition.smallHeight, condition.smallWidth, C]) : undefined;
  let out: { value: tf.Scalar; grad: tf.Tensor4D } | null = null;
  try {
    out = subPixelInputGradient(model, x, at, (l) => subPixelLogProb(l, value), s);
    const abs = tf.abs(out.grad);
    let magnitude: Float32Array;
    let logProb: number;
    try {
      [magnitude, logProb] = await Promise.all([abs.data() as Promise<Float32Array>, out.value.data().then((v) => v[0]!)]);
    } finally {
      abs.dispose();
    }
    return { height: H, width: W, channels: C, at: { ...at }, logProb, magnitude, perPixel: perPixelMax(magnitude, C) };
  } finally {
    x.dispose();
    s?.dispose();
    if (out) tf.dispose([out.value, out.grad]);
  }
}

/** The largest of each pixel's C sub-pixel values: [H·W·C] → [H·W]. */
export function perPixelMax(values: ArrayLike<number>, channels: number): Float32Array {
  const out = new Float32Array(values.length / channels);
  for (let p = 0; p < out.length; p++) {
    let m = 0;
    for (let c = 0; c < channels; c++) m = Math.max(m, values[p * channels + c]!);
    out[p] = m;
  }
  return out;
}

/** Index of a sub-pixel in raster-then-colour order. */
export function subPixelIndex(at: SubPixel, width: number, channels: number): number {
  return (at.row * width + at.col) * channels + at.channel;
}

/**
 * What a field covers: of the earlier sub-pixels (before `at` in raster-then-colour order), how many have a
 * non-zero gradient, and how many later ones do (0 for a causal model). Pixels count as seen when any of
 * their earlier sub-pixels is.
 */
export function fieldCoverage(field: Pick<ReceptiveField, 'magnitude' | 'width' | 'channels' | 'at'>): { earlier: number; seen: number; laterNonZero: number; earlierPixels: number; seenPixels: number } {
  const { magnitude, width: W, channels: C, at } = field;
  const p = subPixelIndex(at, W, C);
  let seen = 0;
  let laterNonZero = 0;
  for (let q = 0; q < magnitude.length; q++) {
    if (q < p) seen += magnitude[q] !== 0 ? 1 : 0;
    else laterNonZero += magnitude[q] !== 0 ? 1 : 0;
  }
  // Pixels with at least one earlier sub-pixel: all before (row, col), and (row, col) itself when channel > 0.
  const earlierPixels = at.row * W + at.col + (at.channel > 0 ? 1 : 0);
  let seenPixels = 0;
  for (let px = 0; px < earlierPixels; px++) {
    let any = false;
    for (let c = 0; c < C && !any; c++) if (px * C + c < p && magnitude[px * C + c] !== 0) any = true;
    if (any) seenPixels++;
  }
  return { earlier: p, seen, laterNonZero, earlierPixels, seenPixels };
}
