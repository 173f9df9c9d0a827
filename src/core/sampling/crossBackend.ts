import * as tf from '@tensorflow/tfjs';
import type { PixelModel } from '../models/pixelModel';
import { sampleCachedOnDevice } from './device';

/**
 * How often the device draw (deviceDraw.ts) differs between two tfjs backends: the same weights and seed,
 * sampled with the cached sampler on the device on each. Both compute in float32 but not in the same order
 * (products, exp, the scan of the cumulative sum), so an image may differ where u lands within float error
 * of a boundary of the cumulative distribution: a tie. From the first such sub-pixel on, the two images
 * condition on different values and go their own ways, so each image counts the sub-pixels up to its first
 * difference (all of them if none), and the rate is differences per sub-pixel compared.
 */
export interface CrossBackendTies {
  backends: [string, string];
  images: number;
  /** Per image: the first sub-pixel (raster × RGB index) where the two differ, or null if identical. */
  firstDifference: (number | null)[];
  /** Sub-pixels compared: each image up to and including its first difference. */
  subpixelsCompared: number;
  differences: number;
  /** differences / subpixelsCompared. */
  rate: number;
}

/** Samples `count` images on each backend (the model is loaded afresh on each: `load` runs after the switch). */
export async function crossBackendTies(load: () => Promise<PixelModel>, backends: [string, string], options: { count: number; seed: number }): Promise<CrossBackendTies> {
  const start = tf.getBackend();
  const images: Uint8Array[] = [];
  let per = 0;
  try {
    for (const name of backends) {
      if (!(await tf.setBackend(name))) throw new Error(`crossBackendTies: no tfjs backend "${name}"`);
      const model = await load();
      per = model.config.height * model.config.width * model.config.channels;
      images.push((await sampleCachedOnDevice(model, { count: options.count, seed: options.seed })).images);
      model.dispose();
    }
  } finally {
    await tf.setBackend(start);
  }
  const firstDifference: (number | null)[] = [];
  let compared = 0;
  for (let b = 0; b < options.count; b++) {
    let first: number | null = null;
    for (let s = 0; s < per && first === null; s++) if (images[0]![b * per + s] !== images[1]![b * per + s]) first = s;
    firstDifference.push(first);
    compared += first === null ? per : first + 1;
  }
  const differences = firstDifference.filter((d) => d !== null).length;
  return { backends, images: options.count, firstDifference, subpixelsCompared: compared, differences, rate: differences / compared };
}
