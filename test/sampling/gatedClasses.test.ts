import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/core/models/config';
import { sampleCached } from '../../src/core/sampling/cached';
import { sampleCachedOnDevice, sampleNaiveOnDevice } from '../../src/core/sampling/device';
import { sampleNaive } from '../../src/core/sampling/naive';
import type { SampleOptions } from '../../src/core/sampling/types';
import { knownMask, randomModel, tiny } from './helpers';

/**
 * Sampling a class-conditional Gated PixelCNN (options.classes): the cached sampler (host and device draw)
 * draws the same images as the naive one for every class, none and a class per image, with inpainting; the
 * class changes the draws; no tensors leak; a model without classes refuses one.
 */

const K = 3;
const cfgOf = (rgb: boolean, extra: Partial<ModelConfig> = {}) => tiny('gated', rgb, { classes: K, ...extra });

/** A sync throw (a provider refusing its options) as a rejection. */
const later = <T>(fn: () => Promise<T>): Promise<T> => (async () => fn())();

async function noLeak<T>(fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('class-conditional Gated PixelCNN: cached sampler = naive sampler', () => {
  for (const rgb of [false, true]) {
    const kind = rgb ? 'RGB' : 'binary';
    for (const classes of [0, K - 1, K, null, [1, K]] as const)
      it(`${kind}, classes ${JSON.stringify(classes)}: same images and log-probs, host and device draw, no leaks`, async () => {
        const m = randomModel(cfgOf(rgb), 3);
        const options: SampleOptions = { count: 2, seed: 11, classes };
        const cached = await noLeak(() => sampleCached(m, options));
        const naive = await noLeak(() => sampleNaive(m, options));
        expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
        for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(naive.logProb[b]!, 3);
        const onDevice = await noLeak(() => sampleCachedOnDevice(m, options));
        const naiveOnDevice = await noLeak(() => sampleNaiveOnDevice(m, { ...options, readback: 'per-step' }));
        expect(Array.from(onDevice.images)).toEqual(Array.from(naiveOnDevice.images));
        m.dispose();
      });

    it(`${kind}: inpainting with a class per image, temperature 0.8`, async () => {
      const cfg = cfgOf(rgb, { firstKernel: 3 });
      const m = randomModel(cfg, 5);
      const known = knownMask(cfg);
      const options: SampleOptions = { count: 2, seed: 5, temperature: 0.8, known, classes: [2, 0] };
      const cached = await noLeak(() => sampleCached(m, options));
      const naive = await noLeak(() => sampleNaive(m, options));
      m.dispose();
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
      for (let i = 0; i < known.mask.length; i++) if (known.mask[i]) expect(cached.images[i]).toBe(known.image[i]);
    });
  }

  it('the class changes the draws (same seed), and none is the default', async () => {
    const m = randomModel(cfgOf(true, {}), 3);
    const draw = async (classes?: number | null) => Array.from((await sampleCached(m, { count: 2, seed: 4, classes })).images);
    const [a, b, none, absent] = [await draw(0), await draw(1), await draw(K), await draw()];
    m.dispose();
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(none);
    expect(absent).toEqual(none);
  });

  it('refuses a class for a model without classes, and a bad class', async () => {
    const plain = randomModel(tiny('gated', false), 3);
    await expect(later(() => sampleCached(plain, { count: 1, seed: 1, classes: 0 }))).rejects.toThrow(/takes no class/);
    await expect(later(() => sampleNaive(plain, { count: 1, seed: 1, classes: [0] }))).rejects.toThrow(/takes no class/);
    plain.dispose();
    const cnn = randomModel(tiny('pixelcnn', false), 3);
    await expect(later(() => sampleCached(cnn, { count: 1, seed: 1, classes: 0 }))).rejects.toThrow(/takes no class/);
    cnn.dispose();
    const m = randomModel(cfgOf(false), 3);
    const before = tf.memory().numTensors;
    await expect(later(() => sampleCached(m, { count: 2, seed: 1, classes: [0] }))).rejects.toThrow(/1 classes for 2 images/);
    await expect(later(() => sampleCached(m, { count: 1, seed: 1, classes: K + 1 }))).rejects.toThrow(/a class must be in \[0, 3\]/);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
