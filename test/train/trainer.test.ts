import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileHandler } from '../../scripts/lib/fileIO';
import {
  Trainer,
  TrainingDivergedError,
  datasetSource,
  evalSet,
  imagesSource,
  learningRateAt,
  loadCheckpoint,
  saveCheckpoint,
  type SkipEvent,
  type StepEvent,
  type TrainEvent,
} from '../../src/core/train';
import { createDataset } from '../../src/core/data/dataset';
import { sameArrays, slotsOf, tinyDataset, tinyModel, weightsOf } from './helpers';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Trainer', () => {
  for (const arch of ['pixelcnn', 'rowlstm', 'diagonal'] as const) {
    it(`lowers the loss clearly on a tiny fixed batch: ${arch}`, async () => {
      const model = tinyModel(arch, arch === 'diagonal' ? 6 : 8);
      const n = model.config.height;
      const ds = tinyDataset(4, n); // 0/255 pixels: every batch is the same 4 binary images
      const trainer = new Trainer(model, { train: datasetSource(ds, 'train', { batchSize: 4, seed: 1 }), valid: evalSetOf(ds) }, { optimizer: 'adam', lr: 1e-2 });
      const before = await trainer.evaluate();
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) losses.push((await trainer.step()).loss);
      const after = await trainer.evaluate();
      expect(mean(losses.slice(-3))).toBeLessThan(0.5 * mean(losses.slice(0, 3)));
      expect(after.nats).toBeLessThan(0.5 * before.nats);
      trainer.dispose({ model: true });
    });
  }

  it('RMSProp lowers the loss too, and reports bits/dim, images/s and ETA in step events', async () => {
    const model = tinyModel('pixelcnn');
    const trainer = new Trainer(model, { train: datasetSource(tinyDataset(4), 'train', { batchSize: 4, seed: 1 }) }, { optimizer: 'rmsprop', lr: 3e-3, clipNorm: 1000 });
    const events: TrainEvent[] = [];
    const r = await trainer.run({ steps: 25, onEvent: (e) => events.push(e) });
    expect(r.reason).toBe('steps');
    const steps = events.filter((e): e is StepEvent => e.type === 'step');
    expect(steps).toHaveLength(25);
    expect(mean(steps.slice(-3).map((e) => e.loss))).toBeLessThan(0.6 * mean(steps.slice(0, 3).map((e) => e.loss)));
    const e = steps[10]!;
    expect(e.bitsPerDim).toBeCloseTo(e.loss / (64 * Math.LN2), 6);
    expect(e.imagesPerSec).toBeGreaterThan(0);
    expect(e.etaSec).not.toBeNull();
    expect(events.at(-1)).toMatchObject({ type: 'done', step: 25, reason: 'steps' });
    trainer.dispose({ model: true });
  });

  it('NaN guard: a step with a non-finite update is skipped and the last good weights and optimiser state are kept', async () => {
    const model = tinyModel('pixelcnn');
    // Step index 3 gets an absurd learning rate (Inf in float32): its update is non-finite.
    const trainer = new Trainer(model, { train: datasetSource(tinyDataset(8), 'train', { batchSize: 4, seed: 3 }) }, {
      optimizer: 'adam',
      lr: 1e-2,
      lrAt: (s) => (s === 3 ? 1e39 : 1e-2),
    });
    for (let i = 0; i < 3; i++) expect((await trainer.step()).type).toBe('step');
    const good = await weightsOf(model);
    const goodSlots = await slotsOf(trainer.optimizer.slots);
    const updates = trainer.optimizer.updates;
    const bad = (await trainer.step()) as SkipEvent;
    expect(bad.type).toBe('skip');
    expect(bad.reason).toBe('non-finite update');
    expect(bad.step).toBe(4);
    expect(Number.isFinite(bad.loss)).toBe(true);
    expect(sameArrays(await weightsOf(model), good)).toBe(true);
    expect(sameArrays(await slotsOf(trainer.optimizer.slots), goodSlots)).toBe(true);
    expect(trainer.optimizer.updates).toBe(updates);
    expect(trainer.skippedSteps).toBe(1);
    // Training carries on from the good weights.
    const next = await trainer.step();
    expect(next.type).toBe('step');
    expect(sameArrays(await weightsOf(model), good)).toBe(false);
    trainer.dispose({ model: true });
  });

  it('NaN guard: a NaN loss is skipped without touching the weights; too many in a row throw', async () => {
    const model = tinyModel('pixelcnn');
    const trainer = new Trainer(model, { train: datasetSource(tinyDataset(4), 'train', { batchSize: 4, seed: 1 }) }, { maxConsecutiveSkips: 3 });
    await trainer.step();
    // Poison the head bias: every logit, hence the loss, becomes NaN.
    const bias = model.params.get('head2/b');
    const saved = tf.clone(bias);
    bias.assign(tf.fill(bias.shape, NaN));
    const poisoned = await weightsOf(model);
    const events: TrainEvent[] = [];
    trainer.on((e) => events.push(e));
    expect(await trainer.step()).toMatchObject({ type: 'skip', reason: 'non-finite loss', consecutive: 1 });
    expect(await trainer.step()).toMatchObject({ type: 'skip', consecutive: 2 });
    await expect(trainer.step()).rejects.toBeInstanceOf(TrainingDivergedError);
    expect(events.map((e) => e.type)).toEqual(['skip', 'skip', 'skip']);
    expect(sameArrays(await weightsOf(model), poisoned)).toBe(true);
    bias.assign(saved);
    saved.dispose();
    expect((await trainer.step()).type).toBe('step');
    trainer.dispose({ model: true });
  });

  it('resuming from a checkpoint (saved to files) matches an uninterrupted run exactly', async () => {
    const ds = tinyDataset(10, 8, true); // grey levels: dynamic binarisation differs every batch
    const opts = { optimizer: { kind: 'rmsprop' as const, momentum: 0.9 }, lr: 3e-3, clipNorm: 50, schedule: { kind: 'cosine' as const, warmupSteps: 2, totalSteps: 9 } };
    const source = () => datasetSource(ds, 'train', { batchSize: 3, seed: 42 }); // 3 batches an epoch
    const N = 4;
    const M = 4;

    const a = new Trainer(tinyModel('rowlstm'), { train: source() }, opts);
    const lossesA: number[] = [];
    for (let i = 0; i < N + M; i++) lossesA.push((await a.step()).loss);

    const b = new Trainer(tinyModel('rowlstm'), { train: source() }, opts);
    const lossesB: number[] = [];
    for (let i = 0; i < N; i++) lossesB.push((await b.step()).loss);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ckpt-'));
    await saveCheckpoint(b, fileHandler(dir), { note: 'test' });
    b.dispose({ model: true });

    const c = await Trainer.restore(await loadCheckpoint(fileHandler(dir)), { train: source() });
    expect(c.stepCount).toBe(N);
    for (let i = 0; i < M; i++) lossesB.push((await c.step()).loss);
    expect(lossesB).toEqual(lossesA);
    expect(sameArrays(await weightsOf(c.model), await weightsOf(a.model))).toBe(true);
    expect(sameArrays(await slotsOf(c.optimizer.slots), await slotsOf(a.optimizer.slots))).toBe(true);
    a.dispose({ model: true });
    c.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps no tensors across steps, evaluations and checkpoints', async () => {
    const start = tf.memory().numTensors;
    const ds = tinyDataset(6, 6);
    const model = tinyModel('diagonal', 6);
    const trainer = new Trainer(model, { train: datasetSource(ds, 'train', { batchSize: 3, seed: 1 }), valid: evalSetOf(ds) }, { optimizer: 'adam', clipNorm: 10 });
    await trainer.step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await trainer.step();
    await trainer.evaluate();
    await trainer.checkpoint();
    await trainer.run({ steps: 2, evalEvery: 1, checkpointEvery: 1, onCheckpoint: () => {} });
    expect(tf.memory().numTensors).toBe(after1);
    trainer.dispose({ model: true });
    expect(tf.memory().numTensors).toBe(start);
  });

  it('run() stops on abort (pause) and on a time limit, and continues when called again', async () => {
    const model = tinyModel('pixelcnn');
    const trainer = new Trainer(model, { train: datasetSource(tinyDataset(4), 'train', { batchSize: 2, seed: 1 }) });
    const ctl = new AbortController();
    const r1 = await trainer.run({ untilStep: 100, signal: ctl.signal, onEvent: (e) => e.type === 'step' && e.step === 3 && ctl.abort() });
    expect(r1).toMatchObject({ reason: 'aborted', step: 3 });
    const r2 = await trainer.run({ untilStep: 5 });
    expect(r2).toMatchObject({ reason: 'steps', step: 5 });
    const r3 = await trainer.run({ untilStep: 1000, timeLimitSec: 0 });
    expect(r3).toMatchObject({ reason: 'time-limit', step: 5 });
    trainer.dispose({ model: true });
  });

  it('fine-tunes on a handful of images in memory (batch larger than the set shrinks to it)', async () => {
    const ds = tinyDataset(3);
    const src = imagesSource(ds.images('train'), [8, 8, 1], { kind: 'binary', batchSize: 16, seed: 5 });
    expect(src.batchSize).toBe(3);
    const trainer = new Trainer(tinyModel('pixelcnn'), { train: src }, { optimizer: 'adam', lr: 1e-2 });
    const first = await trainer.step();
    expect(first).toMatchObject({ type: 'step', batchSize: 3 });
    for (let i = 0; i < 10; i++) await trainer.step();
    trainer.dispose({ model: true });
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays along a cosine to minFactor', () => {
    const s = { kind: 'cosine' as const, warmupSteps: 4, totalSteps: 14, minFactor: 0.1 };
    expect(learningRateAt(1, s, 0)).toBeCloseTo(0.25);
    expect(learningRateAt(1, s, 3)).toBeCloseTo(1);
    expect(learningRateAt(1, s, 4)).toBeCloseTo(1);
    expect(learningRateAt(1, s, 9)).toBeCloseTo(0.55);
    expect(learningRateAt(1, s, 14)).toBeCloseTo(0.1);
    expect(learningRateAt(1, s, 1000)).toBeCloseTo(0.1);
    expect(learningRateAt(2, { kind: 'constant' }, 77)).toBe(2);
  });
});

describe('Adam', () => {
  it('matches tf.train.adam on the same gradients', async () => {
    const { Optimizer } = await import('../../src/core/train/optimizers');
    const w1 = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const w2 = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const mine = new Optimizer({ kind: 'adam' }, new Map([['w', w1]]));
    const ref = tf.train.adam(0.1, 0.9, 0.999, 1e-8);
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        const g = tf.variableGrads(() => tf.sum(tf.square(tf.sub(w1, 1))) as tf.Scalar, [w1]).grads;
        mine.commit(mine.propose(new Map([['w', g[w1.name]!]]), 0.1));
      });
      ref.minimize(() => tf.sum(tf.square(tf.sub(w2, 1))) as tf.Scalar, false, [w2]);
    }
    const [a, b] = [await w1.data(), await w2.data()];
    for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    mine.dispose();
    ref.dispose();
    tf.dispose([w1, w2]);
  });
});

/** Every image of the dataset's train split, binarised at 0.5 (exact for 0/255 images), as an EvalSet. */
function evalSetOf(ds: ReturnType<typeof tinyDataset>) {
  const bin = ds.images('train').map((v) => (v >= 128 ? 1 : 0));
  const fixed = createDataset({ name: 'tiny-eval', kind: 'binary', shape: ds.shape, images: { val: ds.images('train') }, fixedBinary: { val: bin } });
  return evalSet(fixed, 'val');
}
