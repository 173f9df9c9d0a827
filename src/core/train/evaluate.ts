import * as tf from '@tensorflow/tfjs';
import { dims } from '../models/config';
import { conditionOf } from '../models/multiScale';
import { classLabels, type PixelModel } from '../models/pixelModel';
import { bitsPerDim, nllPerImage } from '../likelihood';
import type { EvalSet } from './sources';

export interface EvalResult {
  /** Mean NLL in nats per image. */
  nats: number;
  bitsPerDim: number;
  images: number;
  seconds: number;
  /** Class-conditional models: what they were given, each image's class ('labels') or none. */
  given?: 'labels' | 'none';
}

export interface EvalOptions {
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after every batch with the images done so far. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Class-conditional models: give each image its class from the set's labels ('labels', the default when
   * the set has labels: the conditional NLL −log p(x | y)) or none ('none', the default for unlabelled
   * images: the unconditional −log p(x | none)). Ignored for other models.
   */
  given?: 'labels' | 'none';
}

/** uint8 [B,H,W,C] → float32 tensor of the raw values (what PixelModel.logits takes). */
export function imagesToTensor(images: Uint8Array, shape: readonly [number, number, number]): tf.Tensor4D {
  const [h, w, c] = shape;
  const b = images.length / (h * w * c);
  return tf.tensor4d(Float32Array.from(images), [b, h, w, c], 'float32');
}

/**
 * Mean NLL of `set` under `model` (SPEC.md §5): batches inside tf.tidy, read with `await data()`, summed
 * in float64. Throws if the set's image shape differs from the model's.
 */
export async function evaluateNll(model: PixelModel, set: EvalSet, options: EvalOptions = {}): Promise<EvalResult> {
  const t0 = now();
  const { height: H, width: W, channels: C } = model.config;
  const [h, w, c] = set.imageShape;
  if (h !== H || w !== W || c !== C) throw new Error(`Evaluation images are ${h}×${w}×${c}, the model needs ${H}×${W}×${C}`);
  if (set.count < 1) throw new Error('Nothing to evaluate: the evaluation set is empty');
  const bs = Math.max(1, Math.floor(options.batchSize ?? 16));
  const size = H * W * C;
  const given = model.config.classes ? (options.given ?? (set.labels ? 'labels' : 'none')) : undefined;
  if (given === 'labels' && (!set.labels || set.labels.length < set.count))
    throw new Error('This model is class-conditional: the evaluation images need their classes (a labelled dataset), or evaluate given none');
  let sum = 0;
  for (let from = 0; from < set.count; from += bs) {
    if (options.signal) await yieldToEventLoop(); // lets an abort that was posted to this thread arrive
    if (options.signal?.aborted) throw new Error('Evaluation aborted');
    const n = Math.min(bs, set.count - from);
    const total = tf.tidy(() => {
      const x = imagesToTensor(set.images.subarray(from * size, (from + n) * size), set.imageShape); // [n,H,W,C]
      const y = given ? classLabels(model.config, n, given === 'labels' ? set.labels!.subarray(from, from + n) : null) : undefined;
      return nllPerImage(model.logits(x, conditionOf(model.config, x), y), x, model.config.output).sum(); // scalar, nats (given box(x) if conditional, the class if class-conditional)
    });
    sum += (await total.data())[0]!;
    total.dispose();
    options.onProgress?.(from + n, set.count);
  }
  const nats = sum / set.count;
  return { nats, bitsPerDim: bitsPerDim(nats, dims(model.config)), images: set.count, seconds: (now() - t0) / 1000, ...(given ? { given } : {}) };
}

/**
 * Resolves on a later turn of the event loop (a macrotask), so that messages waiting for this thread are
 * handled: awaiting `data()` on tfjs's cpu and wasm backends resolves in a microtask and never lets a
 * worker see a Pause or Stop that arrived while it computes.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
