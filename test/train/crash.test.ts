import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fileHandler } from '../../scripts/lib/fileIO';
import { loadCheckpoint } from '../../src/core/train';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const haveMnist = await fs.access('public/data/mnist/manifest.json').then(
  () => true,
  () => false,
);

/**
 * Checkpoints survive a kill at any point of a save (issue "Trust and craft", item 3): the trainer is killed
 * (exit at once, as by SIGKILL) at each point of its second checkpoint save, then resumed. Resume is exact, so
 * the resumed run must end with the very weights of a run that was never killed; a checkpoint whose weights
 * came from one step and whose step count and optimiser state from another would not.
 */
const train = (out: string, extra: string[], env: Record<string, string> = {}) =>
  run(
    tsx,
    ['scripts/train.ts', '--model', 'pixelcnn', '--data', 'mnist', '--layers', '1', '--hidden', '4', '--head', '8', '--batch', '2', '--steps', '3', '--optimizer', 'adam', '--checkpoint-every', '1', '--eval-every', '0', '--valid-limit', '2', '--backend', 'cpu', '--quiet', '--out', out, ...extra],
    { env: { ...process.env, ...env } },
  );

async function finalWeights(out: string): Promise<Float32Array> {
  const ck = await loadCheckpoint(fileHandler(path.join(out, 'checkpoint'), { versionedWeights: true }));
  return new Float32Array(ck.weightData as ArrayBuffer);
}

describe.skipIf(!haveMnist)('checkpoints survive a kill mid-save', () => {
  it('resumes to the same weights as an uninterrupted run, whatever the point of the kill', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'crash-'));
    await train(path.join(root, 'ref'), []);
    const reference = await finalWeights(path.join(root, 'ref'));
    // Saves 1, 2: checkpoint and model after step 1; save 3 is the checkpoint after step 2.
    for (const point of ['weights-written', 'weights-renamed', 'json-written', 'json-renamed']) {
      const out = path.join(root, point);
      await expect(train(out, [], { PIXELRNN_CRASH_AT: point, PIXELRNN_CRASH_SAVE: '3' })).rejects.toMatchObject({ code: 137 });
      await train(out, ['--resume']);
      const resumed = await finalWeights(out);
      expect(resumed.length).toBe(reference.length);
      let diff = 0;
      for (let i = 0; i < reference.length; i++) diff = Math.max(diff, Math.abs(resumed[i]! - reference[i]!));
      expect(diff, `killed at ${point}`).toBe(0);
      // No stale weights or temporary files are left behind once a save completes.
      expect((await fs.readdir(path.join(out, 'checkpoint'))).filter((f) => f !== 'model.json' && !f.endsWith('.tmp')).length).toBe(1);
    }
    await fs.rm(root, { recursive: true, force: true });
  }, 300_000);
});
