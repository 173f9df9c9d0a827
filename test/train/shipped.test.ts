import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/io/artifacts';
import { evalSet, evaluateNll } from '../../src/core/train/index';
import { fileHandler } from '../../scripts/lib/fileIO';
import { loadDatasetFromDisk } from '../../scripts/lib/nodeData';
import { setupNodeBackend } from '../../scripts/lib/nodeBackend';

/**
 * The shipped models (public/models) must be what their cards say: the card's check figure, measured by
 * `npm run eval` on the first test images when the model was shipped (scripts/ship.ts), is reproduced here.
 */
const INDEX = 'public/models/index.json';
const shipped = existsSync(INDEX)
  ? (JSON.parse(readFileSync(INDEX, 'utf8')) as { models: { id: string; dataset: string; path: string }[] }).models
  : [];

describe('shipped models', () => {
  // Full-size models on tfjs's JavaScript backend took ~3 minutes here; wasm computes the same figures
  // (to ~1e-6) in a fraction of that. An explicit TFJS_BACKEND (e.g. webgpu) is kept.
  beforeAll(async () => {
    if (!process.env.TFJS_BACKEND && tf.getBackend() === 'cpu') await setupNodeBackend('wasm');
  });

  it('are listed (the app needs one per dataset)', () => {
    expect([...new Set(shipped.map((m) => m.dataset))]).toEqual(expect.arrayContaining(['mnist', 'emoji32'])); // Emoji-64 has untrained pairs until one ships
  });

  // Multi-Scale PixelRNN pairs (arch "multiscale") are checked as pairs in shippedPairs.test.ts.
  for (const m of shipped.filter((e) => !('small' in e)))
    it(`${m.id}: eval reproduces the card's test NLL on its check subset; the card is complete`, async () => {
      const dir = join('public/models', m.id);
      const { model, card } = await loadModel(fileHandler(dir), join(dir, 'model.json'));
      // The card is complete: the typed fields of src/core/io/card.ts that the app and the README rely on.
      const c = { check: card.check!, test: card.test!, parameters: card.parameters, steps: card.steps!, commands: card.commands! };
      for (const [k, v] of Object.entries(c)) expect(v, k).toBeDefined();
      expect(c.parameters).toBe(model.params.count());
      expect(c.steps).toBeGreaterThan(0);
      expect(c.commands.join(' ')).toMatch(/train(\/train\.py)? --(model|preset|init|config) /);
      expect(c.test.command).toMatch(/^npm run eval -- public\/models\//);
      expect(Number.isFinite(c.test.natsPerImage)).toBe(true);
      const dataset = await loadDatasetFromDisk(m.dataset, ['test']);
      const r = await evaluateNll(model, evalSet(dataset, 'test', c.check.images), { batchSize: 16 });
      expect(r.images).toBe(c.check.images);
      expect(Math.abs(r.nats - c.check.natsPerImage) / c.check.natsPerImage).toBeLessThan(1e-3);
      model.dispose();
    });
});
