/**
 * The model card schema (src/core/io/card.ts) shared by the CLI, the app and the tests: every card the
 * project ships or writes parses; a malformed one is refused at load with the field it gets wrong; a
 * fine-tuned model's card carries its own evaluation, never its base model's test NLL.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromArtifacts, toArtifacts } from '../../src/core/io/artifacts';
import { cardScore, codecFigures, fineTunedCard, parseCard, type ModelCard } from '../../src/core/io/card';
import { PixelModel } from '../../src/core/models/pixelModel';
import { describeScore } from '../../src/components/ModelPicker';
import { fineTune, PauseSwitch } from '../../src/worker/training';
import { tinyDataset, tinyModel } from '../train/helpers';
import { testScore } from '../../src/store/registry';
import { tinyConfig } from '../core/helpers';

const shippedCards = readdirSync('public/models', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ id: d.name, raw: (JSON.parse(readFileSync(join('public/models', d.name, 'model.json'), 'utf8')) as { userDefinedMetadata?: { card?: unknown } }).userDefinedMetadata?.card }));

/** A shipped model's card as the PyTorch trainer and scripts/ship.ts write it (abridged). */
const shipped: ModelCard = {
  name: 'pixelcnn',
  architecture: { arch: 'pixelcnn', description: 'PixelCNN' },
  parameters: 148225,
  dataset: { name: 'mnist', trainSplit: 'train', validSplit: 'val', validImages: 1000 },
  steps: 11008,
  valid: { step: 11008, natsPerImage: 88.6, bitsPerDim: 0.163, images: 1000 },
  curve: [{ step: 1000, validBitsPerDim: 0.176 }],
  test: { split: 'test', images: 10000, natsPerImage: 87.91, bitsPerDim: 0.1617 },
  testNll: 87.91,
  testBitsPerDim: 0.1617,
  bitsPerDim: 0.1617,
};

describe('model card schema', () => {
  it('reads every shipped card typed: the test figures the picker and the ranking show', () => {
    expect(shippedCards.length).toBeGreaterThan(0);
    for (const { id, raw } of shippedCards) {
      const card = parseCard(raw, id);
      const score = cardScore(card);
      expect(score.kind, id).toBe('test');
      // a class-conditional model is scored by its figure given none (p(x), comparable with the others)
      const r = raw as { testNll: number; test?: { unconditional?: { natsPerImage: number } } };
      if (score.kind === 'test') expect(score.nll).toBe(r.test?.unconditional?.natsPerImage ?? r.testNll);
      expect(typeof card.dataset?.name).toBe('string');
    }
  });

  it('scores a class-conditional model by its NLL given none, and says both figures', () => {
    const card = parseCard({
      test: { split: 'test', images: 10000, natsPerImage: 84.2, bitsPerDim: 0.155, given: 'the true class of each image', unconditional: { natsPerImage: 86.5, bitsPerDim: 0.159 } },
      testNll: 84.2,
    });
    const score = cardScore(card);
    expect(score).toEqual({ kind: 'test', nll: 86.5, bitsPerDim: 0.159, givenClass: { nll: 84.2, bitsPerDim: 0.155 } });
    expect(describeScore(score)).toBe(
      "Test NLL 86.50 nats/image (0.159 bits/dim) drawing any class; 84.20 nats/image (0.155 bits/dim) given each image's class.",
    );
  });

  it('refuses a malformed card with the source and the field it gets wrong', () => {
    expect(() => parseCard({ testNll: 'low' }, 'models/x/model.json')).toThrow('models/x/model.json: its model card is malformed: "testNll" must be a finite number, not "low"');
    expect(() => parseCard({ dataset: { trainSplit: 'train' } }, 'm')).toThrow('"dataset.name" must be present');
    expect(() => parseCard({ curve: [{ step: 1 }, { validNats: 3 }] }, 'm')).toThrow('"curve[1].step" must be present');
    expect(() => parseCard({ commands: ['train', 3] }, 'm')).toThrow('"commands[1]" must be text, not 3');
    expect(() => parseCard([1, 2], 'm')).toThrow('"card" must be an object, not a list');
    expect(() => parseCard({ test: { images: 3 } }, 'm')).toThrow('"test.natsPerImage" must be present');
    // Missing, empty and unknown fields are fine (an old or hand-made model).
    expect(parseCard(undefined)).toEqual({});
    expect(parseCard({ note: 'n', somethingNew: [1] })).toEqual({ note: 'n', somethingNew: [1] });
  });

  it('a model whose card is malformed is refused at load, before its weights are read', async () => {
    const model = new PixelModel(tinyConfig('pixelcnn', 1));
    const artifacts = await toArtifacts(model, { note: 'ok' });
    model.dispose();
    const before = tf.memory().numTensors;
    const broken = { ...artifacts, userDefinedMetadata: { card: { steps: 'many' } } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'] };
    await expect(fromArtifacts(broken, 'the imported model')).rejects.toThrow('the imported model: its model card is malformed: "steps" must be a finite number, not "many"');
    expect(tf.memory().numTensors).toBe(before);
    const ok = await fromArtifacts(artifacts);
    expect(ok.card).toEqual({ note: 'ok' });
    ok.model.dispose();
  });

  it("a fine-tune's card has its own held-out figure and lineage, not its base model's test NLL", () => {
    const own: ModelCard = { name: 'mine', dataset: { name: 'mnist' }, fineTune: { baseModel: 'mnist-pixelcnn', baseTitle: 'PixelCNN · MNIST', images: 6, finetunedAt: '2026-01-01T00:00:00Z' } };
    const card = fineTunedCard(shipped, own, { steps: 30, heldOut: { bitsPerDim: 0.4321, images: 2, step: 30 } });
    expect(card.testNll).toBeUndefined();
    expect(card.test).toBeUndefined();
    expect(card.bitsPerDim).toBeUndefined();
    expect(card.steps).toBe(30);
    expect(card.parameters).toBe(148225);
    expect(cardScore(parseCard(card))).toEqual({ kind: 'heldOut', bitsPerDim: 0.4321, images: 2, step: 30, baseTitle: 'PixelCNN · MNIST' });
    const text = describeScore(cardScore(card));
    expect(text).toContain('0.432 bits/dim on 2 held-out images');
    expect(text).not.toContain('87.91');
    expect(testScore(card)).toBeNull(); // never ranked as a shipped model
    // Before its first evaluation: no figure at all rather than the base's.
    expect(describeScore(cardScore(fineTunedCard(shipped, own, { steps: 0, heldOut: null })))).toBe('Fine-tuned from PixelCNN · MNIST; not measured yet.');
  });

  it('reads fine-tunes saved before the schema: lineage kept, the copied base figures dropped', () => {
    const old = { ...shipped, name: 'my-model', baseModel: 'mnist-pixelcnn', baseTitle: 'PixelCNN', dataset: 'mnist', images: 5, finetunedAt: '2026-01-01', heldOutBitsPerDim: 0.5, steps: 200 };
    const card = parseCard(old);
    expect(card.testNll).toBeUndefined();
    expect(card.dataset).toEqual({ name: 'mnist' });
    expect(cardScore(card)).toEqual({ kind: 'heldOut', bitsPerDim: 0.5, images: null, step: null, baseTitle: 'PixelCNN' });
  });

  it('the training worker saves a fine-tune with its own card (no test NLL of the base)', async () => {
    const model = tinyModel('pixelcnn');
    const saved: ModelCard[] = [];
    const images = tinyDataset(5).images('train').map((v) => (v > 127 ? 1 : 0));
    const own: ModelCard = { name: 'mine', dataset: { name: 'mnist' }, fineTune: { baseModel: 'mnist-pixelcnn', baseTitle: 'PixelCNN', images: 5, finetunedAt: '2026-01-01' } };
    await fineTune(model, shipped, { source: { kind: 'indexeddb', key: 'k' }, saveKey: 'k', card: own, images, count: 5, steps: 2, batchSize: 2, learningRate: 0.01, sampleEvery: 0, seed: 1, backend: { forced: null, known: {} } }, {
      emit: () => {},
      signal: new AbortController().signal,
      pause: new PauseSwitch(),
      save: async (_m, card) => void saved.push(card),
    });
    const last = parseCard(saved.at(-1));
    expect(last.testNll).toBeUndefined();
    const score = cardScore(last);
    expect(score.kind).toBe('heldOut');
    if (score.kind === 'heldOut') {
      expect(score.step).toBe(2);
      expect(score.images).toBe(1); // one of five held out
      expect(score.bitsPerDim).toBeGreaterThan(0);
    }
    model.dispose();
  });
});

describe('codecFigures: the lossless codecs a card compares with', () => {
  it('reads each codec short name and file bits/dim; nothing when the card has none or only malformed ones', () => {
    const shipped = JSON.parse(readFileSync('public/models/emoji64-multiscale-large/model.json', 'utf8')).userDefinedMetadata.card as ModelCard;
    const f = codecFigures(shipped)!;
    expect(f.images).toBe(652);
    expect(f.codecs.map((c) => c.name)).toEqual(['PNG', 'WebP lossless']);
    expect(f.codecs[0]!.bitsPerDim).toBeCloseTo(2.222, 3);
    expect(f.codecs[1]!.bitsPerDim).toBeCloseTo(1.44, 3);
    expect(codecFigures({})).toBeNull();
    expect(codecFigures({ codecBaselines: { results: { PNG: { fileBitsPerDim: 'x' } } } })).toBeNull();
    expect(codecFigures({ codecBaselines: { results: { 'PNG (deflate)': { fileBitsPerDim: 3 } } } })).toEqual({ images: null, codecs: [{ name: 'PNG', bitsPerDim: 3 }] });
  });
});
