/**
 * Emoji-64 (public/data/emoji64, built by scripts/build-data.ts): shapes and counts, the same images in the
 * same order as Emoji-32 (checked image by image through the 2×2 box mean), checksums, licences, and a
 * corrupt file refused. Also the box mean itself (src/core/data/box.ts) on hand-made images.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxDownsampleBytes } from '../../src/core/data/box';
import { loadDataset, type Dataset } from '../../src/core/data/dataset';
import { EMOJI_DATASET_VERSION } from '../../src/core/data/emojiSplit';
import { SPLITS } from '../../src/core/data/manifest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = join(repoRoot, 'public', 'data');
const fromDisk = async (path: string) => new Uint8Array(await readFile(path));

let e32: Dataset;
let e64: Dataset;

beforeAll(async () => {
  for (const name of ['emoji32', 'emoji64'])
    if (!existsSync(join(dataDir, name, 'manifest.json')))
      execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'build-data.ts'), '--only', name], { cwd: repoRoot, stdio: 'inherit' });
  [e32, e64] = await Promise.all([loadDataset(fromDisk, join(dataDir, 'emoji32')), loadDataset(fromDisk, join(dataDir, 'emoji64'))]);
}, 120_000);

describe('boxDownsampleBytes', () => {
  it('takes the 2×2 mean of each channel, rounded half up', () => {
    // one 2×4 RGB image: blocks (1,2,2,2) → 1.75 → 2, (0,0,1,1) → 0.5 → 1, (0,0,0,1) → 0.25 → 0 per channel
    const px = (r: number, g: number, b: number) => [r, g, b];
    const row0 = [...px(1, 0, 0), ...px(2, 0, 0), ...px(255, 5, 9), ...px(254, 6, 9)];
    const row1 = [...px(2, 1, 0), ...px(2, 1, 1), ...px(255, 6, 10), ...px(255, 6, 10)];
    const out = boxDownsampleBytes(Uint8Array.from([...row0, ...row1]), 2, 4, 3);
    expect([...out]).toEqual([2, 1, 0, 255, 6, 10]); // (1019/4 = 254.75 → 255, 23/4 = 5.75 → 6, 38/4 = 9.5 → 10)
  });

  it('handles several images and refuses sizes that do not divide', () => {
    const two = Uint8Array.from([0, 0, 0, 0, 4, 4, 4, 3]); // two 2×2 grey images
    expect([...boxDownsampleBytes(two, 2, 2, 1)]).toEqual([0, 4]);
    expect(() => boxDownsampleBytes(new Uint8Array(9), 3, 3, 1)).toThrow(/multiple of 2/);
    expect(() => boxDownsampleBytes(new Uint8Array(5), 2, 2, 1)).toThrow(/whole number/);
  });
});

describe('Emoji-64 files', () => {
  it('has 64×64 RGB images, as many per split as Emoji-32, under the same split rule', () => {
    expect(e64.kind).toBe('rgb');
    expect(e64.shape).toEqual([64, 64, 3]);
    expect(e64.manifest!.version).toBe(EMOJI_DATASET_VERSION);
    for (const split of SPLITS) {
      expect(e64.count(split), split).toBe(e32.count(split));
      expect(e64.images(split).length).toBe(e64.count(split) * 64 * 64 * 3);
    }
  });

  it('holds the Emoji-32 images in the same order: the box mean of image i is Emoji-32 image i to within one level', () => {
    let equal = 0;
    let total = 0;
    for (const split of SPLITS) {
      const small = boxDownsampleBytes(e64.images(split), 64, 64, 3);
      const ref = e32.images(split);
      expect(small.length).toBe(ref.length);
      let worst = 0;
      let worstAt = -1;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(small[i]! - ref[i]!);
        if (d === 0) equal++;
        if (d > worst) [worst, worstAt] = [d, i];
      }
      total += ref.length;
      expect(worst, `${split} image ${Math.floor(worstAt / 3072)} differs by ${worst}`).toBeLessThanOrEqual(1);
    }
    // the manifest states the measured agreement; it must be what the files hold
    const note = e64.manifest!.notes.find((n) => n.includes('box mean'))!;
    expect(note).toContain(`in ${equal} of ${total} sub-pixels`);
    expect(equal / total).toBeGreaterThan(0.9);
  });

  it('carries licence and attribution for both styles, counting the same images as Emoji-32', () => {
    expect(e64.manifest!.sources.map((s) => [s.package, s.licence, s.images])).toEqual(
      e32.manifest!.sources.map((s) => [s.package, s.licence, s.images]),
    );
    expect(e64.manifest!.sources[1]!.attribution).toMatch(/Twitter, Inc and other contributors.*Attribution required/);
    expect(e64.manifest!.sources[1]!.attribution).toMatch(/kept at 64×64/);
  });

  it('refuses a corrupt or truncated file, naming it', async () => {
    const corrupt = (path: string, bytes: Uint8Array) => {
      if (!path.endsWith('test-rgb.u8')) return bytes;
      const copy = bytes.slice();
      copy[12345] ^= 1;
      return copy;
    };
    await expect(loadDataset(async (p) => corrupt(p, await fromDisk(p)), join(dataDir, 'emoji64'), { splits: ['test'] })).rejects.toThrow(/test-rgb\.u8/);
    const truncated = async (p: string) => (p.endsWith('test-rgb.u8') ? (await fromDisk(p)).subarray(1) : fromDisk(p));
    await expect(loadDataset(truncated, join(dataDir, 'emoji64'), { splits: ['test'] })).rejects.toThrow(/test-rgb\.u8/);
  });
});
