/**
 * The small image of a multi-scale pair is the box-downsampling of the large one: the tensor version
 * (`subsample`) equals the byte version (src/core/data/box.ts) on random images, for factors 2 and 4, RGB
 * and binary; and the pair's NLL is the small model's on that image plus the large model's given it.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { boxDownsampleBytes } from '../../src/core/data/box';
import { nllPerImage } from '../../src/core/likelihood';
import { MultiScaleModel, subsample } from '../../src/core/models/multiScale';
import { mulberry32 } from '../../src/core/random';
import { tinyConfig } from './helpers';

function randomBytes(n: number, hi: number, seed: number): Uint8Array {
  const rng = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rng.next() * hi));
}

describe('subsample (box mean)', () => {
  for (const [factor, channels, hi] of [
    [2, 3, 256],
    [4, 3, 256],
    [2, 1, 2],
  ] as const) {
    it(`equals boxDownsampleBytes: factor ${factor}, ${channels} channel(s), values < ${hi}`, async () => {
      const [b, n] = [3, 8];
      const bytes = randomBytes(b * n * n * channels, hi, 11 * factor + channels);
      const x = tf.tensor4d(bytes, [b, n, n, channels], 'int32');
      const before = tf.memory().numTensors;
      const s = subsample(x, factor);
      expect(tf.memory().numTensors).toBe(before + 1); // only the result
      expect(s.shape).toEqual([b, n / factor, n / factor, channels]);
      expect(s.dtype).toBe('int32');
      expect(Array.from(await s.data())).toEqual(Array.from(boxDownsampleBytes(bytes, n, n, channels, factor)));
      tf.dispose([x, s]);
    });
  }

  it('keeps a float input float, with integer values', async () => {
    const x = tf.tensor4d([1, 2, 2, 2], [1, 2, 2, 1], 'float32');
    const s = subsample(x, 2);
    expect(s.dtype).toBe('float32');
    expect(Array.from(await s.data())).toEqual([2]); // 7/4 = 1.75 → 2
    tf.dispose([x, s]);
  });
});

describe('MultiScaleModel.nllPerImage', () => {
  it('is the small model on the box-downsampled image plus the large model given it', async () => {
    const small = tinyConfig('pixelcnn', 3, { height: 2, width: 2 });
    const large = tinyConfig('pixelcnn', 3, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } });
    const ms = new MultiScaleModel(small, large);
    const bytes = randomBytes(2 * 4 * 4 * 3, 256, 5);
    const x = tf.tensor4d(bytes, [2, 4, 4, 3], 'float32');
    const s = tf.tensor4d(boxDownsampleBytes(bytes, 4, 4, 3), [2, 2, 2, 3], 'float32');
    const before = tf.memory().numTensors;
    const pair = ms.nllPerImage(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    const a = nllPerImage(ms.small.logits(s), s, 'softmax256');
    const b = nllPerImage(ms.large.logits(x, s), x, 'softmax256');
    const [p, pa, pb] = await Promise.all([pair.data(), a.data(), b.data()]);
    for (let i = 0; i < 2; i++) expect(p[i]).toBeCloseTo(pa[i]! + pb[i]!, 3);
    tf.dispose([x, s, pair, a, b]);
    ms.dispose();
  });
});

describe('benchSampling on a conditional model (npm run bench:sample, stage 2 of a pair)', () => {
  it('times both samplers on blank small images, and they draw the same', async () => {
    const { benchSampling } = await import('../../src/core/sampling/benchmark');
    const { PixelModel } = await import('../../src/core/models/pixelModel');
    const large = new PixelModel(tinyConfig('rowlstm', 3, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } }));
    const before = tf.memory().numTensors;
    const row = await benchSampling(large, { batch: 2, seed: 3, naiveSteps: 48, cachedSteps: 'all' });
    expect(tf.memory().numTensors).toBe(before);
    expect(row.agree).toBe(true);
    expect(row.comparedSubpixels).toBeGreaterThan(0);
    expect(row.cachedSteps).toBe(48);
    large.dispose();
  });
});
