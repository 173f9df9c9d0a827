/**
 * Training from scratch (src/core/train/scratch.ts and the worker's built-in data): three sizes per
 * architecture, ordered by parameter count and work, valid configs; speed estimates scale a measured rate
 * by the work per image; the first images of a built-in training split are fetched with a Range request.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/core/models/pixelModel';
import { estimateImagesPerSec, flopsPerImage, SCRATCH_SIZES, scratchConfig } from '../../src/core/train/scratch';
import { fetchTrainingSubset, fineTune, PauseSwitch } from '../../src/worker/training';
import type { TrainEvent } from '../../src/worker/protocol';

describe('sizes to train from scratch', () => {
  for (const dataset of ['mnist', 'emoji32'] as const)
    for (const arch of ['pixelcnn', 'rowlstm', 'diagonal'] as const)
      it(`${dataset} ${arch}: tiny < small < medium in parameters and work, for the dataset's images`, () => {
        const before = tf.memory().numTensors;
        const params = SCRATCH_SIZES.map((size) => {
          const c = scratchConfig(dataset, arch, size);
          expect(c.arch).toBe(arch);
          expect([c.height, c.width, c.channels]).toEqual(dataset === 'mnist' ? [28, 28, 1] : [32, 32, 3]);
          expect(c.hidden % c.channels).toBe(0); // every colour group keeps its share
          const m = createModel(c);
          const n = m.params.count();
          m.dispose();
          return { n, flops: flopsPerImage(c) };
        });
        expect(params[0]!.n).toBeLessThan(params[1]!.n);
        expect(params[1]!.n).toBeLessThan(params[2]!.n);
        expect(params[0]!.flops).toBeLessThan(params[1]!.flops);
        expect(params[1]!.flops).toBeLessThan(params[2]!.flops);
        expect(tf.memory().numTensors).toBe(before);
      });

  it('"small" is the browser preset the shipped models were trained from', async () => {
    const { preset } = await import('../../src/core/models/presets');
    expect(scratchConfig('emoji32', 'pixelcnn', 'small')).toEqual(preset('small-emoji-pixelcnn'));
  });

  it('estimates a speed from a measured one by the work per image', () => {
    const small = scratchConfig('mnist', 'pixelcnn', 'small');
    const tiny = scratchConfig('mnist', 'pixelcnn', 'tiny');
    expect(estimateImagesPerSec(small, { config: small, imagesPerSec: 7 })).toBeCloseTo(7, 10);
    const t = estimateImagesPerSec(tiny, { config: small, imagesPerSec: 7 });
    expect(t).toBeCloseTo((7 * flopsPerImage(small)) / flopsPerImage(tiny), 10);
    expect(t).toBeGreaterThan(7);
  });
});

describe('built-in images', () => {
  /** fetch over public/, honouring Range requests unless `ignoreRange`; records the ranges asked for. */
  function diskFetch(ignoreRange: boolean, ranges: (string | null)[]): typeof fetch {
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const bytes = new Uint8Array(await readFile(join('public', decodeURIComponent(url.pathname))));
      const range = new Headers(init?.headers).get('Range');
      ranges.push(range);
      const m = range && !ignoreRange ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
      const body = m ? bytes.slice(Number(m[1]), Number(m[2]) + 1) : bytes;
      return new Response(body, { status: m ? 206 : 200 });
    }) as typeof fetch;
  }

  for (const ignoreRange of [false, true])
    it(`takes the first images of the training split${ignoreRange ? ' (a server that ignores Range)' : ', asking only for their bytes'}`, async () => {
      const ranges: (string | null)[] = [];
      const got = await fetchTrainingSubset('http://app.test/data/mnist/manifest.json', 5, diskFetch(ignoreRange, ranges));
      expect(got.count).toBe(5);
      expect(got.shape).toEqual([28, 28, 1]);
      const file = new Uint8Array(await readFile('public/data/mnist/train-grey.u8'));
      expect(got.images).toEqual(file.subarray(0, 5 * 784));
      expect(ranges).toEqual([null, `bytes=0-${5 * 784 - 1}`]);
    });

  it('a binary model trains on grey built-in images (binarised every batch, held out at 128)', async () => {
    const { images } = await fetchTrainingSubset('http://app.test/data/mnist/manifest.json', 10, diskFetch(false, []));
    const model = createModel(scratchConfig('mnist', 'pixelcnn', 'tiny'));
    const events: TrainEvent[] = [];
    const done = await fineTune(
      model,
      {},
      { source: { kind: 'config', config: model.config }, saveKey: 'k', card: {}, images, count: 10, steps: 3, batchSize: 4, learningRate: 0.01, sampleEvery: 0, seed: 1, backend: { forced: null, known: {} }, builtIn: { url: 'x', count: 10 } },
      { emit: (e) => events.push(e), signal: new AbortController().signal, pause: new PauseSwitch(), save: async () => {} },
    );
    expect(done.steps).toBe(3);
    const evals = events.flatMap((e) => (e.type === 'eval' ? [e.bitsPerDim] : []));
    expect(evals.length).toBeGreaterThan(0);
    // A fresh binary model is near 1 bit per pixel; a 0/255 held-out set read as 0..255 "probabilities" would not be finite.
    for (const b of evals) expect(b).toBeGreaterThan(0.3), expect(b).toBeLessThan(1.5);
    model.dispose();
  });
});
