/**
 * The sampling worker's multi-scale path (src/worker/pair.ts): the small stage's frames come before the large
 * stage's; the images equal those MultiScaleModel.sample draws with the naive sampler on the same seed (the app's
 * cached sampler draws the same); the large stage's frames show the enlarged small images where not drawn yet;
 * a stop in the small stage returns at once; no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { enlarge, MultiScaleModel } from '../../src/core/models/multiScale';
import type { SampleFrame } from '../../src/worker/protocol';
import { samplePair } from '../../src/worker/pair';
import { tinyConfig } from '../core/helpers';

const smallConfig = tinyConfig('pixelcnn', 3, { height: 2, width: 2 });
const largeConfig = tinyConfig('pixelcnn', 3, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } });

describe('samplePair', () => {
  it('draws the small images, then the large ones over them, as MultiScaleModel.sample does', async () => {
    const pair = new MultiScaleModel(smallConfig, largeConfig);
    const frames: SampleFrame[] = [];
    const before = tf.memory().numTensors;
    const done = await samplePair(pair.small, pair.large, { count: 2, seed: 9, temperature: 1, signal: new AbortController().signal, emit: (f) => frames.push(f) });
    expect(tf.memory().numTensors).toBe(before);
    const naive = await pair.sample({ count: 2, seed: 9, temperature: 1 });
    expect(Array.from(done.small!)).toEqual(Array.from(naive.small.images));
    expect(Array.from(done.images)).toEqual(Array.from(naive.large.images));
    expect(done.stopped).toBe(false);
    expect(done.steps).toBe(2 * 2 * 3 + 4 * 4 * 3);
    for (let b = 0; b < 2; b++) expect(done.logProb[b]).toBeCloseTo(naive.small.logProb[b]! + naive.large.logProb[b]!, 6);

    // every small-stage frame before every large-stage one; the last small frame holds the finished small images
    const stages = frames.map((f) => f.stage);
    expect(stages.indexOf('large')).toBeGreaterThan(stages.lastIndexOf('small'));
    const lastSmall = frames[stages.lastIndexOf('small')]!;
    expect(lastSmall.done).toBe(lastSmall.total);
    expect(Array.from(lastSmall.small!)).toEqual(Array.from(done.small!));
    expect(Array.from(lastSmall.images)).toEqual(Array.from(enlarge(done.small!, 2, 2, 2, 3, 2)));
    // a large-stage frame: drawn values first, then the enlarged small images
    const backdrop = enlarge(done.small!, 2, 2, 2, 3, 2);
    for (const f of frames.filter((x) => x.stage === 'large')) {
      for (let b = 0; b < 2; b++) {
        const img = f.images.subarray(b * 48, (b + 1) * 48);
        expect(Array.from(img.subarray(0, f.done))).toEqual(Array.from(done.images.subarray(b * 48, b * 48 + f.done)));
        expect(Array.from(img.subarray(f.done))).toEqual(Array.from(backdrop.subarray(b * 48 + f.done, (b + 1) * 48)));
      }
    }
    pair.dispose();
  });

  it('stops in the small stage without drawing the large one', async () => {
    const pair = new MultiScaleModel(smallConfig, largeConfig);
    const stop = new AbortController();
    const frames: SampleFrame[] = [];
    const done = await samplePair(pair.small, pair.large, {
      count: 1,
      seed: 1,
      temperature: 1,
      signal: stop.signal,
      emit: (f) => {
        frames.push(f);
        stop.abort();
      },
    });
    expect(done.stopped).toBe(true);
    expect(frames.every((f) => f.stage === 'small')).toBe(true);
    expect(done.steps).toBeLessThan(2 * 2 * 3);
    pair.dispose();
  });
});
