/**
 * Micro-batches and interruptible steps (src/core/train/trainer.ts): a step computed in chunks gives the
 * whole batch's result within float rounding, and an abort between chunks drops the step in flight
 * without changing anything, so the run continues as if never interrupted. Also: the faster cpu kernels
 * are in place only during a step.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { Trainer, datasetSource, type StepEvent, type TrainerOptions } from '../../src/core/train';
import type { PixelModel } from '../../src/core/models/pixelModel';
import { sameArrays, slotsOf, tinyDataset, tinyModel, weightsOf } from './helpers';

const ds = tinyDataset(16, 8, true); // grey levels: dynamic binarisation draws afresh every batch

function trainer(model: PixelModel, options: TrainerOptions = {}): Trainer {
  return new Trainer(model, { train: datasetSource(ds, 'train', { batchSize: 8, seed: 3 }) }, { optimizer: 'adam', lr: 1e-2, clipNorm: 5, ...options });
}

/** Largest |a − b| relative to max(|b|, 1e-3) over every array of two maps with the same keys. */
function maxRelDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [k, x] of a) {
    const y = b.get(k)!;
    expect(y).toHaveLength(x.length);
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / Math.max(Math.abs(y[i]!), 1e-3));
  }
  return worst;
}

/** Aborts `ctl` during the `n`-th forward pass of `model` (1-based), i.e. inside a gradient chunk. */
function abortDuringForward(model: PixelModel, ctl: AbortController, n: number): void {
  const logits = model.logits.bind(model);
  let calls = 0;
  model.logits = (x) => {
    if (++calls === n) ctl.abort();
    return logits(x);
  };
}

describe('micro-batches', () => {
  for (const arch of ['pixelcnn', 'rowlstm'] as const) {
    it(`chunks of 3 + 3 + 2 give the whole batch's loss, weights and optimiser state: ${arch}`, async () => {
      const whole = trainer(tinyModel(arch));
      const chunked = trainer(tinyModel(arch), { microBatch: 3 });
      const a: StepEvent[] = [];
      const b: StepEvent[] = [];
      for (let i = 0; i < 3; i++) {
        a.push((await whole.step()) as StepEvent);
        b.push((await chunked.step()) as StepEvent);
      }
      expect(a.map((e) => e.chunks)).toEqual([1, 1, 1]);
      expect(b.map((e) => e.chunks)).toEqual([3, 3, 3]);
      for (let i = 0; i < 3; i++) {
        expect(b[i]!.loss).toBeCloseTo(a[i]!.loss, 3);
        expect(b[i]!.gradNorm / a[i]!.gradNorm).toBeCloseTo(1, 4);
      }
      expect(maxRelDiff(await weightsOf(chunked.model), await weightsOf(whole.model))).toBeLessThan(1e-3);
      expect(maxRelDiff(await slotsOf(chunked.optimizer.slots), await slotsOf(whole.optimizer.slots))).toBeLessThan(1e-3);
      // And they really trained: the weights moved away from a fresh model's.
      const fresh = tinyModel(arch);
      expect(sameArrays(await weightsOf(fresh), await weightsOf(whole.model))).toBe(false);
      fresh.dispose();
      whole.dispose({ model: true });
      chunked.dispose({ model: true });
    });
  }

  it('an abort between chunks drops the step: nothing changes, no tensor is kept, and the same batch comes next', async () => {
    const ctl = new AbortController();
    const plain = trainer(tinyModel('pixelcnn'), { microBatch: 3 });
    const cut = trainer(tinyModel('pixelcnn'), { microBatch: 3 });
    for (let i = 0; i < 2; i++) {
      await plain.step();
      await cut.step();
    }
    const weights = await weightsOf(cut.model);
    const slots = await slotsOf(cut.optimizer.slots);
    const tensors = tf.memory().numTensors;
    abortDuringForward(cut.model, ctl, 2); // during the second of three chunks
    expect(await cut.interruptibleStep(ctl.signal)).toBeNull();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(cut.stepCount).toBe(2);
    expect(cut.optimizer.updates).toBe(2);
    expect(sameArrays(await weightsOf(cut.model), weights)).toBe(true);
    expect(sameArrays(await slotsOf(cut.optimizer.slots), slots)).toBe(true);
    // The next steps are those of a run never interrupted, bit for bit.
    for (let i = 0; i < 2; i++) expect(((await cut.step()) as StepEvent).loss).toBe(((await plain.step()) as StepEvent).loss);
    expect(sameArrays(await weightsOf(cut.model), await weightsOf(plain.model))).toBe(true);
    plain.dispose({ model: true });
    cut.dispose({ model: true });
  });

  it('run() returns "aborted" within the step in flight, then resumes; an evaluation it cut short comes first', async () => {
    const valid = { imageShape: [8, 8, 1] as const, count: 4, images: ds.images('train').subarray(0, 4 * 64).map((v) => (v > 127 ? 1 : 0)) };
    const make = (microBatch: number) => new Trainer(tinyModel('pixelcnn'), { train: datasetSource(ds, 'train', { batchSize: 8, seed: 3 }), valid }, { optimizer: 'adam', lr: 1e-2, microBatch, evalBatchSize: 2 });
    const plain = make(4);
    const evalsPlain: number[] = [];
    await plain.run({ untilStep: 4, evalEvery: 2, evalAtEnd: false, onEvent: (e) => e.type === 'eval' && evalsPlain.push(e.step) });

    const cut = make(4);
    const ctl = new AbortController();
    const evals: number[] = [];
    const onEvent = (e: { type: string; step: number }) => e.type === 'eval' && evals.push(e.step);
    // Abort inside step 2 (forward passes 3 and 4 are its two chunks).
    abortDuringForward(cut.model, ctl, 3);
    const r1 = await cut.run({ untilStep: 4, evalEvery: 2, evalAtEnd: false, signal: ctl.signal, onEvent });
    expect(r1).toMatchObject({ reason: 'aborted', step: 1 });
    // Abort inside the evaluation at step 2 (the next forward pass after step 2's two chunks).
    const ctl2 = new AbortController();
    abortDuringForward(cut.model, ctl2, 3);
    const r2 = await cut.run({ untilStep: 4, evalEvery: 2, evalAtEnd: false, signal: ctl2.signal, onEvent });
    expect(r2).toMatchObject({ reason: 'aborted', step: 2 });
    expect(evals).toEqual([]);
    const r3 = await cut.run({ untilStep: 4, evalEvery: 2, evalAtEnd: false, onEvent });
    expect(r3).toMatchObject({ reason: 'steps', step: 4 });
    expect(evals).toEqual(evalsPlain);
    expect(evals).toEqual([2, 4]);
    expect(sameArrays(await weightsOf(cut.model), await weightsOf(plain.model))).toBe(true);
    plain.dispose({ model: true });
    cut.dispose({ model: true });
  });
});

describe('chunks sized by time (chunkSec)', () => {
  /** A clock that only moves when the model computes: `secPerImage` per image of a forward pass. */
  function fakeClock(model: PixelModel, secPerImage: number): () => void {
    let ms = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => ms);
    const logits = model.logits.bind(model);
    model.logits = (x) => {
      ms += 1000 * secPerImage * x.shape[0];
      return logits(x);
    };
    return () => spy.mockRestore();
  }

  for (const [secPerImage, want] of [
    [0.1, 5], // chunks of 5 images take 0.5 s
    [0.3, 1], // even one image takes longer than 0.5 s: one at a time
  ] as const)
    it(`at ${secPerImage} s per image, chunks settle at ${want} images (about 0.5 s each), never more than doubling per step`, async () => {
      const t = trainer(tinyModel('pixelcnn'), { microBatch: 2, chunkSec: 0.5 });
      const restore = fakeClock(t.model, secPerImage);
      const sizes: number[] = [];
      try {
        for (let i = 0; i < 5; i++) {
          await t.step();
          sizes.push(t.microBatch);
        }
      } finally {
        restore();
      }
      expect(sizes[0]).toBe(2); // the first step (compiling, warming up) is not used to size chunks
      for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(2 * sizes[i - 1]!);
      expect(sizes.at(-1)).toBe(want);
      t.dispose({ model: true });
    });

  for (const [secPerImage, want] of [
    [0.3, 3], // 0.5 s alone would give 1 image; 3 take 0.9 s ≤ 2 × 0.5 s
    [0.4, 1], // 3 would take 1.2 s: a Pause would wait too long, so one image after all
  ] as const)
    it(`minMicroBatch 3 at ${secPerImage} s per image: chunks of ${want}`, async () => {
      const t = trainer(tinyModel('pixelcnn'), { microBatch: 4, chunkSec: 0.5, minMicroBatch: 3 });
      const restore = fakeClock(t.model, secPerImage);
      try {
        for (let i = 0; i < 3; i++) await t.step();
      } finally {
        restore();
      }
      expect(t.microBatch).toBe(want);
      t.dispose({ model: true });
    });
});

describe.runIf(tf.getBackend() === 'cpu')('fast cpu kernels', () => {
  it('are registered only while a step runs, not by constructing a Trainer', async () => {
    const kernel = () => tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
    const tfjs = kernel();
    const t = trainer(tinyModel('pixelcnn'));
    expect(kernel()).toBe(tfjs);
    let during: unknown = null;
    const logits = t.model.logits.bind(t.model);
    t.model.logits = (x) => {
      during = kernel();
      return logits(x);
    };
    await t.step();
    expect(during).not.toBe(tfjs);
    expect(kernel()).toBe(tfjs);
    t.dispose({ model: true });
  });
});
