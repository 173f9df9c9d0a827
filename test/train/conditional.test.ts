/**
 * The TypeScript trainer on the conditional half of a Multi-Scale PixelRNN (issue 12): it is given box(x) of
 * each training image (src/core/train/step.ts, evaluate.ts), lowers the loss, resumes exactly from a
 * checkpoint, saves a model that loads with identical logits, and keeps no tensors.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileHandler } from '../../scripts/lib/fileIO';
import { loadModel, saveModel } from '../../src/core/io/artifacts';
import { nllPerImage } from '../../src/core/likelihood';
import { subsample } from '../../src/core/models/multiScale';
import { createDataset } from '../../src/core/data/dataset';
import { Trainer, datasetSource, evalSet, loadCheckpoint, saveCheckpoint } from '../../src/core/train';
import { sameArrays, slotsOf, tinyDataset, tinyModel, weightsOf } from './helpers';

const COND = { condition: { smallHeight: 4, smallWidth: 4, mapChannels: 2 } };
const conditional = (arch: 'pixelcnn' | 'rowlstm' = 'pixelcnn') => tinyModel(arch, 8, COND);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('Trainer on a conditional (multi-scale) model', () => {
  it('lowers the loss, and evaluates −log p(x | box(x))', async () => {
    const ds = tinyDataset(4, 8); // 0/255 pixels: every batch is the same 4 binary images
    const model = conditional();
    const bin = ds.images('train').map((v) => (v >= 128 ? 1 : 0));
    const valid = evalSet(createDataset({ name: 'tiny-eval', kind: 'binary', shape: ds.shape, images: { val: ds.images('train') }, fixedBinary: { val: bin } }), 'val');
    const trainer = new Trainer(model, { train: datasetSource(ds, 'train', { batchSize: 4, seed: 1 }), valid }, { optimizer: 'adam', lr: 1e-2 });
    const before = await trainer.evaluate();
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push((await trainer.step()).loss);
    const after = await trainer.evaluate();
    expect(mean(losses.slice(-3))).toBeLessThan(0.5 * mean(losses.slice(0, 3)));
    expect(after.nats).toBeLessThan(0.5 * before.nats);

    // the evaluation is the model's NLL of each image given its own box mean
    const direct = tf.tidy(() => {
      const x = tf.tensor4d(valid.images, [valid.count, 8, 8, 1], 'int32').toFloat() as tf.Tensor4D; // the 0/1 images
      return nllPerImage(model.logits(x, subsample(x, 2)), x, 'binary').mean();
    });
    expect(after.nats).toBeCloseTo((await direct.data())[0]!, 3);
    direct.dispose();
    trainer.dispose({ model: true });
  });

  it('resumes from a checkpoint exactly, and keeps no tensors across steps', async () => {
    const ds = tinyDataset(10, 8, true); // grey levels: dynamic binarisation differs every batch
    const opts = { optimizer: 'adam' as const, lr: 3e-3, clipNorm: 50 };
    const source = () => datasetSource(ds, 'train', { batchSize: 3, seed: 42 });
    const a = new Trainer(conditional('rowlstm'), { train: source() }, opts);
    const lossesA: number[] = [];
    await a.step();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) lossesA.push((await a.step()).loss);
    expect(tf.memory().numTensors).toBe(tensors);

    const b = new Trainer(conditional('rowlstm'), { train: source() }, opts);
    await b.step();
    const lossesB: number[] = [];
    for (let i = 0; i < 2; i++) lossesB.push((await b.step()).loss);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ckpt-cond-'));
    await saveCheckpoint(b, fileHandler(dir), { note: 'test' });
    b.dispose({ model: true });
    const c = await Trainer.restore(await loadCheckpoint(fileHandler(dir)), { train: source() });
    for (let i = 0; i < 3; i++) lossesB.push((await c.step()).loss);
    expect(lossesB).toEqual(lossesA);
    expect(sameArrays(await weightsOf(c.model), await weightsOf(a.model))).toBe(true);
    expect(sameArrays(await slotsOf(c.optimizer.slots), await slotsOf(a.optimizer.slots))).toBe(true);
    a.dispose({ model: true });
    c.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('saves a trained model that loads with identical logits (given the same small images)', async () => {
    const ds = tinyDataset(4, 8);
    const trainer = new Trainer(conditional(), { train: datasetSource(ds, 'train', { batchSize: 4, seed: 1 }) }, { optimizer: 'adam', lr: 1e-2 });
    for (let i = 0; i < 3; i++) await trainer.step();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'model-cond-'));
    await saveModel(trainer.model, fileHandler(dir), { note: 'test' });
    const { model: loaded } = await loadModel(fileHandler(dir));
    expect(loaded.config.condition).toEqual(COND.condition);
    const x = tf.tensor4d(Array.from({ length: 2 * 64 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0), [2, 8, 8, 1]);
    const s = subsample(x, 2);
    const [a, b] = [trainer.model.logits(x, s), loaded.logits(x, s)];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, s, a, b]);
    loaded.dispose();
    trainer.dispose({ model: true });
    await fs.rm(dir, { recursive: true, force: true });
  });
});
