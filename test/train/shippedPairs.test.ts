/**
 * Multi-Scale PixelRNN pairs in a models folder (scripts/ship-pair.ts): the pair's card on the large model
 * reproduces its check figure with the project's own evaluation (−log p(box(x)) − log p(x | box(x)) on the
 * first Emoji-64 test images), and the card is complete. Run on every pair shipped in public/models, and on a
 * tiny pair shipped here into a temporary folder, so that the script and this check are tested before the
 * first real pair ships.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileHandler } from '../../scripts/lib/fileIO';
import { loadDatasetFromDisk } from '../../scripts/lib/nodeData';
import { loadModel, saveModel } from '../../src/core/io/artifacts';
import { MultiScaleModel } from '../../src/core/models/multiScale';
import { createModel } from '../../src/core/models/pixelModel';
import { preset } from '../../src/core/models/presets';

interface Entry {
  id: string;
  dataset: string;
  arch: string;
  path: string;
  small?: string;
}

const pairsIn = (models: string): Entry[] =>
  existsSync(join(models, 'index.json')) ? (JSON.parse(readFileSync(join(models, 'index.json'), 'utf8')) as { models: Entry[] }).models.filter((m) => m.arch === 'multiscale') : [];

async function checkShippedPair(models: string, m: Entry): Promise<void> {
  expect(m.small, `${m.id} names its small model`).toBeDefined();
  const open = (path: string) => loadModel(fileHandler(join(models, path, '..')), join(models, path));
  const [s, l] = await Promise.all([open(m.small!), open(m.path)]);
  const card = l.card;
  for (const k of ['check', 'test', 'testBitsPerDim', 'codecBaselines', 'multiScale'] as const) expect(card[k], k).toBeDefined();
  expect(card.test!.command).toMatch(/^npm run eval:pair -- /);
  const pair = new MultiScaleModel(s.model, l.model);
  const dataset = await loadDatasetFromDisk(m.dataset, ['test']);
  const n = card.check!.images!;
  const x = tf.tensor4d(dataset.images('test').subarray(0, n * 64 * 64 * 3), [n, 64, 64, 3], 'int32').toFloat() as tf.Tensor4D;
  const nll = pair.nllPerImage(x);
  const mean = Array.from(await nll.data()).reduce((a, b) => a + b, 0) / n;
  expect(Math.abs(mean - card.check!.natsPerImage) / card.check!.natsPerImage).toBeLessThan(1e-3);
  tf.dispose([x, nll]);
  pair.dispose();
}

describe('shipped multi-scale pairs', () => {
  for (const m of pairsIn('public/models')) it(`${m.id}: the pair reproduces its card's check figure; the card is complete`, () => checkShippedPair('public/models', m));

  it('scripts/ship-pair.ts ships a pair that passes the same check', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ship-pair-'));
    const models = join(root, 'models');
    const tiny = { layers: 1, hidden: 6, headWidth: 12, firstKernel: 3 };
    const configs = { small: preset('small-emoji-pixelcnn', tiny), large: preset('small-emoji64-pixelcnn-cond', tiny) };
    for (const half of ['small', 'large'] as const) {
      const model = createModel(configs[half]);
      await saveModel(model, fileHandler(join(root, half)), { steps: 1, commands: ['train/train.py --preset test'] });
      model.dispose();
    }
    execFileSync('mkdir', ['-p', models]);
    copyFileSync('public/models/emoji64-codec-baselines.json', join(models, 'emoji64-codec-baselines.json'));
    // an unconditional 64×64 model to compare with, its test figure on the same 8 images; and one that cannot be
    const plain = createModel(preset('small-emoji64-pixelcnn', tiny));
    const figure = { split: 'test', images: 8, natsPerImage: 20000, bitsPerDim: 2.35 };
    await saveModel(plain, fileHandler(join(root, 'plain')), { steps: 3, cpuSeconds: 60, parameters: plain.params.count(), test: figure });
    await saveModel(plain, fileHandler(join(root, 'untested')), { steps: 3 });
    plain.dispose();
    const ship = (compare: string) =>
      execFileSync('npx', ['tsx', 'scripts/ship-pair.ts', '--small', join(root, 'small'), '--large', join(root, 'large'), '--id', 'ms-test', '--limit', '8', '--backend', 'cpu', '--models', models, '--compare', compare], {
        stdio: 'pipe',
        timeout: 600_000,
      });
    expect(() => ship(join(root, 'untested'))).toThrow(/has no test figure on all 8 test images/);
    expect(() => ship(join(root, 'large'))).toThrow(/is not an unconditional 64×64 model/);
    expect(pairsIn(models)).toEqual([]); // nothing shipped by a refused comparison
    ship(join(root, 'plain'));
    const [entry] = pairsIn(models);
    expect(entry).toMatchObject({ id: 'ms-test', dataset: 'emoji64', arch: 'multiscale', path: 'ms-test-large/model.json', small: 'ms-test-small/model.json' });
    await checkShippedPair(models, entry!);
    const card = JSON.parse(readFileSync(join(models, 'ms-test-large/model.json'), 'utf8')).userDefinedMetadata.card;
    expect(card.comparison).toMatchObject({ model: 'plain', steps: 3, cpuSeconds: 60, test: figure, pair: { bitsPerDim: card.test.bitsPerDim, largeHalfSteps: 1 } });
    rmSync(root, { recursive: true, force: true });
  }, 600_000);
});
