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
  /**
   * Class-conditional models: the class to draw, one for every image (a number) or one per image, each in
   * [0, K) or K (= config.classes) for none; absent or null: none (the model's unconditional p(x)).
   */
  classes?: number | ArrayLike<number> | null;
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
  /**
   * Sub-pixel steps whose values `images` holds. Absent when it is `done` (the CPU draw reads every value
   * back); a sampler that draws on the device reads them back less often (see `Readback`), so `images`
   * lags behind `done` until the next read-back.
   */
  imagesDone?: number;
}

/**
 * When a sampler that draws on the device (device.ts) brings drawn values back to the CPU; every read-back
 * is asynchronous and the last one also brings the log-probabilities:
 * - 'per-step': the drawn values after every sub-pixel, awaited (`images` in onStep is always current, as
 *   with the CPU draw): H·W·C read-backs;
 * - 'per-row' (default): the finished row, read while the next one is computed; the loop waits for a row's
 *   values only when the next row is done (so the device is never more than a row behind): H read-backs;
 * - 'frame': the whole images, at most once per `frameMs` and only when the previous read has landed; the
 *   loop waits for a read only once it is a row old. For live progress at the display's pace.
 */
export type Readback = 'per-step' | 'per-row' | 'frame';

export interface DeviceSampleOptions extends SampleOptions {
  readback?: Readback;
  /** 'frame' read-backs: the least time between the starts of two reads, in ms (default 16, a 60 Hz frame). */
  frameMs?: number;
}

export interface SampleResult {
  /** [B,H,W,C] sub-pixel values. */
  images: Uint8Array;
  /** True when stopped by the signal before the last sub-pixel. */
  stopped: boolean;
  /** log p of every image's drawn (unknown) sub-pixels under the model, in nats: for inpainting. */
  logProb: Float64Array;
  /** Device draw only: the read-backs (device → CPU reads) the loop made for the whole batch. */
  readbacks?: number;
}

export interface Sampler {
  sample(options: SampleOptions): Promise<SampleResult>;
}

export type { ModelConfig };
