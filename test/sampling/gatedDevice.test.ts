import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { countReads } from '../../src/core/sampling/benchmark';
import { sampleCached } from '../../src/core/sampling/cached';
import { sampleCachedOnDevice, sampleNaiveOnDevice } from '../../src/core/sampling/device';
import type { DeviceSampleOptions, KnownPixels } from '../../src/core/sampling/types';

/**
 * The Gated PixelCNN's cached provider read from the device images (src/core/sampling/cached/gated.ts,
 * `logitsOn`): the same images as the naive sampler drawing on the device, one read-back per row, no leaks,
 * with inpainting (known sub-pixels caught up from the device images). Runs on the cpu backend, and on
 * WebGPU (Dawn) with TFJS_BACKEND=webgpu.
 */

const backend = tf.getBackend();

function tiny(rgb: boolean, extra: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch: 'gated',
    height: rgb ? 4 : 5,
    width: rgb ? 5 : 4,
    channels: rgb ? 3 : 1,
    output: rgb ? 'softmax256' : 'binary',
    layers: 2,
    hidden: 6,
    headWidth: 12,
    firstKernel: 5,
    residual: true,
    skip: true,
    seed: 7,
    ...extra,
  };
}

function model(cfg: ModelConfig, seed: number): PixelModel {
  const m = new PixelModel(cfg);
  let n = 0;
  for (const v of m.params.list()) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.6, 'float32', seed + n++)));
  return m;
}

/** Both images know the first row, image 0 a block on the left, image 1 one on the right, and scattered colours. */
function knownMask(cfg: ModelConfig): KnownPixels {
  const { height: H, width: W, channels: C } = cfg;
  const per = H * W * C;
  const image = new Uint8Array(2 * per);
  const mask = new Uint8Array(2 * per);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let c = 0; c < C; c++) {
          const at = b * per + (i * W + j) * C + c;
          image[at] = cfg.output === 'binary' ? (i + j + b) % 2 : (37 * i + 11 * j + 90 * c + 7 * b) % 256;
          const block = b === 0 ? j < 2 && i >= 2 : j >= W - 2 && i >= 1;
          mask[at] = i === 0 || block || (i * W + j + c) % 5 === 0 ? 1 : 0;
        }
  return { image, mask };
}

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
