import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Arch, ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { cachedProvider, sampleCached } from '../../src/core/sampling/cached';
import { runSampling, type LogitsProvider } from '../../src/core/sampling/loop';
import { naiveProvider, sampleNaive } from '../../src/core/sampling/naive';
import type { SampleOptions } from '../../src/core/sampling/types';
import { knownMask, randomise, tiny as tinyOf } from './helpers';

const ARCHS: Arch[] = ['pixelcnn', 'rowlstm', 'diagonal', 'gated'];

/** The tiny models here are one row and column larger than the device tests' (helpers.ts). */
const tiny = (arch: Arch, rgb: boolean, extra: Partial<ModelConfig> = {}) => tinyOf(arch, rgb, extra, 1);

/** A provider that runs both samplers and records the largest logit difference. */
function comparing(a: LogitsProvider, b: LogitsProvider, stats: { maxDiff: number; steps: number }): LogitsProvider {
  return {
    async logitsAt(row, col, ch, images) {
      const x = await a.logitsAt(row, col, ch, images);
      const y = await b.logitsAt(row, col, ch, images);
      for (let k = 0; k < x.length; k++) stats.maxDiff = Math.max(stats.maxDiff, Math.abs(x[k]! - y[k]!));
      stats.steps++;
      return x;
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

async function sameAsNaive(cfg: ModelConfig, options: SampleOptions, seed = 3) {
  const model = new PixelModel(cfg);
  randomise(model, seed);
  const before = tf.memory().numTensors;
  const cached = await sampleCached(model, options);
  const leaked = tf.memory().numTensors - before;
  const naive = await sampleNaive(model, options);
  model.dispose();
  return { cached, naive, leaked };
}

describe('cached sampler = naive sampler', () => {
  for (const arch of ARCHS) {
    for (const rgb of [false, true]) {
      const kind = rgb ? 'RGB' : 'binary';
      it(`${arch} ${kind}: same images and log-probs, no leaked tensors`, async () => {
        const { cached, naive, leaked } = await sameAsNaive(tiny(arch, rgb), { count: 2, seed: 11, temperature: rgb ? 1 : 1 });
        expect(leaked).toBe(0);
        expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
        for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(naive.logProb[b]!, 3);
      });

      it(`${arch} ${kind}: inpainting mask (known sub-pixels skipped but cached), temperature 0.8`, async () => {
        const cfg = tiny(arch, rgb);
        const known = knownMask(cfg);
        const { cached, naive, leaked } = await sameAsNaive(cfg, { count: 2, seed: 5, temperature: 0.8, known });
        expect(leaked).toBe(0);
        expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
        for (let i = 0; i < known.mask.length; i++) if (known.mask[i]) expect(cached.images[i]).toBe(known.image[i]);
      });
    }

    it(`${arch}: logits match the naive pass at every step (RGB, 3 layers, no residual, no skip, width 7 kernel)`, async () => {
      const cfg = tiny(arch, true, { layers: 3, residual: false, skip: false, firstKernel: 7, height: 4, width: 5 });
      const model = new PixelModel(cfg);
      randomise(model, 9);
      const options: SampleOptions = { count: 3, seed: 2 };
      const stats = { maxDiff: 0, steps: 0 };
      const before = tf.memory().numTensors;
      await runSampling(cfg, options, comparing(cachedProvider(model, options), naiveProvider(model, options), stats));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      expect(stats.steps).toBe(4 * 5 * 3);
      expect(stats.maxDiff).toBeLessThan(1e-4);
    });

    // The Gated PixelCNN takes no multi-scale condition (validateConfig refuses one).
    it.skipIf(arch === 'gated')(`${arch}: conditional (multi-scale) model`, async () => {
      const cfg = tiny(arch, true, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } });
      const small = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, k) => (k * 53) % 256);
      const { cached, naive, leaked } = await sameAsNaive(cfg, { count: 2, seed: 4, small });
      expect(leaked).toBe(0);
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
    });
  }

  it('gated: first kernels 1 and 3 (no left taps in the first layer, one), no skip, no layer after the first: same images as naive', async () => {
    for (const [firstKernel, layers] of [[1, 1], [3, 1], [3, 0]] as const) {
      const { cached, naive, leaked } = await sameAsNaive(tiny('gated', true, { firstKernel, skip: false, layers }), { count: 2, seed: 8 });
      expect(leaked).toBe(0);
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
    }
  });

  it('stops on abort without leaking, and temperature 0 is the argmax', async () => {
    const cfg = tiny('diagonal', true);
    const model = new PixelModel(cfg);
    randomise(model, 1);
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const res = await sampleCached(model, { count: 1, seed: 1, signal: ac.signal, onStep: (p) => (p.done === 20 ? ac.abort() : undefined) });
    expect(res.stopped).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const greedy = await sampleCached(model, { count: 1, seed: 1, temperature: 0 });
    const greedyNaive = await sampleNaive(model, { count: 1, seed: 99, temperature: 0 });
    expect(Array.from(greedy.images)).toEqual(Array.from(greedyNaive.images));
    model.dispose();
  });
});
