import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/core/models/config';
import { countReads } from '../../src/core/sampling/benchmark';
import { sampleCached } from '../../src/core/sampling/cached';
import { sampleCachedOnDevice, sampleNaiveOnDevice } from '../../src/core/sampling/device';
import type { DeviceSampleOptions } from '../../src/core/sampling/types';
import { knownMask, randomModel, tiny as tinyOf } from './helpers';

const tiny = (rgb: boolean, extra: Partial<ModelConfig> = {}) => tinyOf('gated', rgb, extra);

/**
 * The Gated PixelCNN's cached provider read from the device images (src/core/sampling/cached/gated.ts,
 * `logitsOn`): the same images as the naive sampler drawing on the device, one read-back per row, no leaks,
 * with inpainting (known sub-pixels caught up from the device images). Runs on the cpu backend, and on
 * WebGPU (Dawn) with TFJS_BACKEND=webgpu.
 */

const backend = tf.getBackend();

const model = (cfg: ModelConfig, seed: number) => randomModel(cfg, seed);

describe(`Gated PixelCNN sampling on the device = naive sampling on the device (${backend})`, () => {
  for (const rgb of [false, true]) {
    const kind = rgb ? 'RGB' : 'binary';
    it(`${kind}: same images and log-probs, one read-back per row, no leaked tensors`, async () => {
      const cfg = tiny(rgb);
      const m = model(cfg, 3);
      const options: DeviceSampleOptions = { count: 2, seed: 11 };
      const before = tf.memory().numTensors;
      const { out: cached, reads } = await countReads(() => sampleCachedOnDevice(m, options));
      expect(tf.memory().numTensors).toBe(before);
      const naive = await sampleNaiveOnDevice(m, { ...options, readback: 'per-step' });
      const host = await sampleCached(m, options);
      m.dispose();
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
      for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(naive.logProb[b]!, 3);
      expect(reads).toBe(cfg.height);
      expect(Array.from(host.images)).toEqual(Array.from(cached.images));
    });

    it(`${kind}: inpainting mask, temperature 0.8`, async () => {
      const cfg = tiny(rgb, { firstKernel: 3 });
      const m = model(cfg, 5);
      const known = knownMask(cfg);
      const options: DeviceSampleOptions = { count: 2, seed: 5, temperature: 0.8, known };
      const before = tf.memory().numTensors;
      const cached = await sampleCachedOnDevice(m, options);
      expect(tf.memory().numTensors).toBe(before);
      const naive = await sampleNaiveOnDevice(m, options);
      m.dispose();
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
      for (let i = 0; i < known.mask.length; i++) if (known.mask[i]) expect(cached.images[i]).toBe(known.image[i]);
    });
  }
});
