import type { ModelConfig } from '../models/config';

/** Known sub-pixels for inpainting: values of a reference image and a mask, 1 where the value is known. */
export interface KnownPixels {
  /** [B,H,W,C] or [H,W,C] (then shared by the whole batch) sub-pixel values. */
  image: Uint8Array;
  /** Same length as image: 1 = known (kept exactly), 0 = to be sampled. */
  mask: Uint8Array;
}

export interface SampleOptions {
  /** Number of images. */
  count: number;
  /** Seed of the random source: image b draws from its own stream derived from (seed, b). */
  seed: number;
  /** Softmax temperature; 1 samples the model's distribution, 0 takes the most likely value. */
  temperature?: number;
  known?: KnownPixels;
  /** Small images [B,s,s,C] for a conditional (multi-scale) model. */
  small?: Uint8Array;
  /** Called after every sub-pixel step with the images drawn so far (a live view: copy to keep). */
  onStep?: (progress: SampleProgress) => void | Promise<void>;
  /** Stops sampling after the current step; the promise then resolves with the partial images. */
  signal?: AbortSignal;
}

export interface SampleProgress {
  /** Sub-pixel steps done, out of `total` = H · W · C. */
  done: number;
  total: number;
  row: number;
  col: number;
  channel: number;
  images: Uint8Array;
}

export interface SampleResult {
  /** [B,H,W,C] sub-pixel values. */
  images: Uint8Array;
  /** True when stopped by the signal before the last sub-pixel. */
  stopped: boolean;
  /** log p of every image's drawn (unknown) sub-pixels under the model, in nats: for inpainting. */
  logProb: Float64Array;
}

export interface Sampler {
  sample(options: SampleOptions): Promise<SampleResult>;
}

export type { ModelConfig };
