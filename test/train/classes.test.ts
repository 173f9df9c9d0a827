import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createDataset, type Dataset } from '../../src/core/data/dataset';
import { createModel } from '../../src/core/models/pixelModel';
import { preset } from '../../src/core/models/presets';
import { datasetSource, evalSet, evaluateNll, imagesSource, LABEL_DROPOUT, Trainer } from '../../src/core/train/index';
import { tinyDataset } from './helpers';

/**
 * The TypeScript trainer with a class-conditional Gated PixelCNN: batches of a labelled dataset carry their
 * classes with label dropout (deterministic, resumable), training on them lowers the loss and trains the
 * class tables, and evaluation gives the true classes or none.
 */

const K = 3;
/** tinyDataset's images with their shape (kind i % 3) as the class: classes "bars", "box", "diagonal". */
function labelled(count: number): Dataset {
  const plain = tinyDataset(count);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  const px = plain.images('train');
  return createDataset({
    name: 'tiny-classes',
    kind: 'binary',
    shape: plain.shape,
    images: { train: px, val: px },
    fixedBinary: { val: px.map((v) => (v > 127 ? 1 : 0)) },
    classNames: ['bars', 'box', 'diagonal'],
    labels: { train: labels, val: labels },
  });
}

const classModel = () => createModel(preset('small-mnist-gated', { height: 8, width: 8, layers: 1, hidden: 4, headWidth: 8, firstKernel: 3, classes: K }));

describe('class-conditional training in TypeScript', () => {
  it('batches carry their classes, about LABEL_DROPOUT of them replaced by none, the same after a resume', () => {
    const ds = labelled(60);
    const src = datasetSource(ds, 'train', { batchSize: 12, seed: 5 });
    const state = src.state();
    const batches = Array.from({ length: 40 }, () => src.next());
    let dropped = 0;
    let total = 0;
    for (const b of batches) {
      expect(b.labels!.length).toBe(b.size);
      for (let i = 0; i < b.size; i++) {
        const y = b.labels![i]!;
        if (y === K) dropped++;
        else {
          // a kept label is the class of its image: tinyDataset's shape i % 3 (bars: two columns on)
          const img = b.images.subarray(i * 64, (i + 1) * 64);
          const on = img.reduce((a, v) => a + v, 0);
          expect(y === 0 ? on === 16 : y === 1 ? on === 9 : on === 8, `label ${y} with ${on} pixels on`).toBe(true);
        }
        total++;
      }
    }
    expect(dropped / total).toBeGreaterThan(LABEL_DROPOUT - 0.07);
    expect(dropped / total).toBeLessThan(LABEL_DROPOUT + 0.07);
    src.setState(state);
    expect(Array.from(src.next().labels!)).toEqual(Array.from(batches[0]!.labels!));
    const none = datasetSource(ds, 'train', { batchSize: 12, seed: 5, labelDropout: 0 });
    expect(Array.from(none.next().labels!)).not.toContain(K);
    expect(() => datasetSource(ds, 'train', { batchSize: 12, seed: 5, labelDropout: 2 })).toThrow(/labelDropout must be in \[0, 1\]/);
    expect(datasetSource(tinyDataset(8), 'train', { batchSize: 4, seed: 1 }).next().labels).toBeUndefined();
  });

  it('a few steps lower the loss and train the class tables; evaluation given the classes and given none differ; no leaks', async () => {
    const ds = labelled(24);
    const model = classModel();
    const valid = evalSet(ds, 'val');
    expect(Array.from(valid.labels!.subarray(0, 4))).toEqual([0, 1, 2, 0]);
    const trainer = new Trainer(model, { train: datasetSource(ds, 'train', { batchSize: 8, seed: 1 }), valid }, { optimizer: 'adam', lr: 1e-2 });
    const table0 = Array.from(await model.params.get('in/h/class').data());
    const losses: number[] = [(await trainer.step()).loss];
    const before = tf.memory().numTensors; // after the first step: the optimiser's slots exist
    for (let i = 1; i < 12; i++) losses.push((await trainer.step()).loss);
    expect(losses[11]!).toBeLessThan(0.8 * losses[0]!);
    const table1 = Array.from(await model.params.get('in/h/class').data());
    const n = table0.length / (K + 1);
    for (let k = 0; k <= K; k++) expect(table1.slice(k * n, (k + 1) * n), `class ${k}'s row moved`).not.toEqual(table0.slice(k * n, (k + 1) * n));
    const given = await evaluateNll(model, valid);
    const none = await evaluateNll(model, valid, { given: 'none' });
    expect(given.given).toBe('labels');
    expect(none.given).toBe('none');
    expect(given.nats).not.toBeCloseTo(none.nats, 3);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('unlabelled images (uploads) train and evaluate given none; asking for labels there fails', async () => {
    const model = classModel();
    const px = tinyDataset(8).images('train');
    const trainer = new Trainer(model, { train: imagesSource(px, [8, 8, 1], { batchSize: 4, seed: 1, kind: 'binary' }) }, { optimizer: 'adam', lr: 1e-2 });
    expect((await trainer.step()).type).toBe('step');
    const set = { imageShape: [8, 8, 1] as const, count: 8, images: px.map((v) => (v > 127 ? 1 : 0)) };
    expect((await evaluateNll(model, set)).given).toBe('none');
    await expect(evaluateNll(model, set, { given: 'labels' })).rejects.toThrow(/need their classes/);
    model.dispose();
  });
});

describe('the card of a class-conditional model', () => {
  it('keeps the class names and both test figures, and refuses names that do not match the count', async () => {
    const { parseCard } = await import('../../src/core/io/card');
    const card = parseCard({
      classes: { count: 2, names: ['a', 'b'], none: 2, labelDropout: 0.2 },
      test: { natsPerImage: 80, bitsPerDim: 0.15, given: 'the true class of each image', unconditional: { natsPerImage: 82, bitsPerDim: 0.151, given: 'none' } },
      curve: [{ step: 1, validNats: 80, validNoneNats: 82 }],
    });
    expect(card.classes!.names).toEqual(['a', 'b']);
    expect(card.test!.unconditional!.natsPerImage).toBe(82);
    expect(() => parseCard({ classes: { count: 3, names: ['a', 'b'] } })).toThrow(/"classes.names" must be 3 class names/);
    expect(() => parseCard({ test: { natsPerImage: 1, unconditional: { bitsPerDim: 1 } } })).toThrow(/test.unconditional.natsPerImage/);
  });
});
