import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fileHandler } from '../../scripts/lib/fileIO';
import { loadDatasetFromDisk } from '../../scripts/lib/nodeData';
import { loadModel, saveModel } from '../../src/core/io/artifacts';
import { nllPerImage } from '../../src/core/likelihood';
import { createModel } from '../../src/core/models/pixelModel';
import { preset } from '../../src/core/models/presets';
import { evalSet, evaluateNll, imagesToTensor } from '../../src/core/train';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const haveMnist = await fs.access('public/data/mnist/manifest.json').then(
  () => true,
  () => false,
);

/** Last line of stdout as JSON (the tools' contract). */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

const tinyMnist = () => preset('small-mnist-pixelcnn', { layers: 1, hidden: 4, headWidth: 8, firstKernel: 3, seed: 3 });

describe.skipIf(!haveMnist)('command-line tools on MNIST', () => {
  it('scripts/eval.ts on a saved model reproduces the NLL computed directly', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-'));
    const model = createModel(tinyMnist());
    await saveModel(model, fileHandler(dir), { dataset: { name: 'mnist' } });
    const { stdout } = await run(tsx, ['scripts/eval.ts', dir, '--split', 'val', '--limit', '7', '--batch', '3', '--backend', 'cpu']);
    const got = lastJson(stdout);

    // Directly: all 7 fixed-binarised validation images in one batch.
    const set = evalSet(await loadDatasetFromDisk('mnist', ['val']), 'val', 7);
    const nll = tf.tidy(() => {
      const x = imagesToTensor(set.images, set.imageShape);
      return nllPerImage(model.logits(x), x, 'binary').mean();
    });
    const direct = (await nll.data())[0]!;
    nll.dispose();
    expect(got).toMatchObject({ split: 'val', images: 7, dataset: 'mnist', arch: 'pixelcnn' });
    expect(got.natsPerImage as number).toBeCloseTo(direct, 3);
    // The library function agrees too, in any batch size.
    const lib = await evaluateNll(model, set, { batchSize: 2 });
    expect(lib.nats).toBeCloseTo(direct, 3);
    expect(lib.bitsPerDim).toBeCloseTo(direct / (784 * Math.LN2), 6);
    model.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('scripts/train.ts trains, checkpoints, resumes and writes a loadable model with a card and a report', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'train-'));
    const common = ['--valid-limit', '4', '--quiet', '--out', out];
    const first = await run(tsx, ['scripts/train.ts', '--model', 'pixelcnn', '--data', 'mnist', '--layers', '1', '--hidden', '4', '--head', '8', '--steps', '2', '--batch', '2', '--optimizer', 'adam', ...common]);
    expect(lastJson(first.stdout)).toMatchObject({ steps: 2, stopReason: 'steps', backend: 'wasm', dataset: 'mnist' });
    const second = await run(tsx, ['scripts/train.ts', '--resume', '--steps', '3', ...common]);
    const report = lastJson(second.stdout);
    expect(report).toMatchObject({ steps: 3, parameters: expect.any(Number) });
    expect((report.commands as string[]).length).toBe(2);
    expect((report.finalValid as { images: number }).images).toBe(4);
    const { model, card } = await loadModel(fileHandler(out));
    expect(card).toMatchObject({ steps: 3, dataset: { name: 'mnist' }, parameters: model.params.count() });
    expect(card.hardware).toBeDefined();
    model.dispose();
    await fs.rm(out, { recursive: true, force: true });
  });
});
