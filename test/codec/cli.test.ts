/**
 * The command line with several images (scripts/codec.ts): PNGs and a folder into one .prnn file, info
 * lists its images, decode writes them into a folder (or one, picked with --only, to a .png), and the
 * mistakes that could lose a file are refused. On the shipped MNIST PixelCNN (its JavaScript evaluator).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { png } from '../../e2e/images';
import { mulberry32 } from '../../src/core/random';

const MODEL = 'mnist-pixelcnn';

function codec(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('npx', ['tsx', 'scripts/codec.ts', ...args], { timeout: 120_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
const last = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;

/** Black-and-white 28×28 pictures: a blob of random strokes each. */
function picture(seed: number): { file: Buffer; bits: number[] } {
  const rng = mulberry32(seed);
  const cx = 8 + rng.next() * 12;
  const cy = 8 + rng.next() * 12;
  const r = 3 + rng.next() * 6;
  const bits: number[] = [];
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) bits.push(Math.abs(Math.hypot(x - cx, y - cy) - r) < 1.5 ? 1 : 0);
  return { file: png(28, 28, (x, y) => (bits[y * 28 + x] ? [255, 255, 255, 255] : [0, 0, 0, 255])), bits };
}

function bitsOf(bytes: Buffer): number[] {
  const p = PNG.sync.read(bytes);
  return Array.from({ length: 28 * 28 }, (_, i) => (p.data[i * 4]! === 255 ? 1 : 0));
}

describe('npm run codec with several images', { timeout: 240_000 }, () => {
  let dir: string;
  const pics = [1, 2, 3, 4].map(picture);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prnn-cli-'));
    await writeFile(join(dir, 'a.png'), pics[0]!.file);
    await mkdir(join(dir, 'folder'));
    // a folder's .png files go in by name: b, c, d
    await writeFile(join(dir, 'folder', 'c.png'), pics[2]!.file);
    await writeFile(join(dir, 'folder', 'b.png'), pics[1]!.file);
    await writeFile(join(dir, 'folder', 'd.png'), pics[3]!.file);
    await writeFile(join(dir, 'folder', 'notes.txt'), 'not a picture');
  });

  it('encodes PNGs and a folder into one file; info lists them; decode restores each into a folder, or one with --only', async () => {
    const enc = await codec('encode', join(dir, 'a.png'), join(dir, 'folder'), join(dir, 'all.prnn'), '--model', MODEL);
    expect(enc.code, enc.stderr).toBe(0);
    expect(last(enc.stdout)).toMatchObject({ images: 4, version: 2, backend: 'js', input: [join(dir, 'a.png'), ...['b', 'c', 'd'].map((n) => join(dir, 'folder', `${n}.png`))] });
    const bytes = (await readFile(join(dir, 'all.prnn'))).length;
    expect(last(enc.stdout).bytes).toBe(bytes);

    const info = await codec('info', join(dir, 'all.prnn'));
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/4 28×28 black-and-white images of the model "mnist-pixelcnn"/);
    const listed = last(info.stdout) as { images: number; list: Array<{ image: number; payloadBytes: number }> };
    expect(listed.images).toBe(4);
    expect(listed.list.map((l) => l.image)).toEqual([1, 2, 3, 4]);

    const dec = await codec('decode', join(dir, 'all.prnn'), join(dir, 'out'));
    expect(dec.code, dec.stderr).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['all-001.png', 'all-002.png', 'all-003.png', 'all-004.png']);
    for (let k = 0; k < 4; k++) expect(bitsOf(await readFile(join(dir, 'out', `all-00${k + 1}.png`))), `image ${k + 1}`).toEqual(pics[k]!.bits);

    const one = await codec('decode', join(dir, 'all.prnn'), join(dir, 'third.png'), '--only', '3');
    expect(one.code, one.stderr).toBe(0);
    expect(bitsOf(await readFile(join(dir, 'third.png')))).toEqual(pics[2]!.bits);
  });

  it('refuses what would lose a file or mislead: an image as the output, several images to one .png, a missing image, a cut file', async () => {
    const over = await codec('encode', join(dir, 'a.png'), join(dir, 'folder', 'b.png'), '--model', MODEL);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/b\.png, is the \.prnn file to write, but it looks like an image/);
    expect(bitsOf(await readFile(join(dir, 'folder', 'b.png')))).toEqual(pics[1]!.bits); // untouched

    const all = join(dir, 'all.prnn');
    const toPng = await codec('decode', all, join(dir, 'x.png'));
    expect(toPng.code).toBe(2);
    expect(toPng.stderr).toMatch(/holds 4 images: give a folder to write them into .*or one image with --only/);
    const missing = await codec('decode', all, join(dir, 'y.png'), '--only', '5');
    expect(missing.stderr).toMatch(/--only 5: .*all\.prnn holds images 1 to 4/);

    const cut = (await readFile(all)).subarray(0, 60);
    await writeFile(join(dir, 'cut.prnn'), cut);
    const bad = await codec('info', join(dir, 'cut.prnn'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/truncated: it ends inside image \d of 4/);
  });

  it('decode of a file cut short writes the images stored whole before the cut, says what is lost, exits 3', async () => {
    const all = await readFile(join(dir, 'all.prnn'));
    const { readFile: parse, varintBytes } = await import('../../src/core/codec/format');
    const entries = parse(Uint8Array.from(all)).images.map((im) => varintBytes(im.payload.length) + 1 + im.payload.length);
    // cut 2 bytes into image 3's entry: images 1 and 2 are whole
    const cut = all.length - 4 - entries[3]! - entries[2]! + 2;
    await writeFile(join(dir, 'cut3.prnn'), all.subarray(0, cut));
    const dec = await codec('decode', join(dir, 'cut3.prnn'), join(dir, 'saved'));
    expect(dec.code, dec.stderr).toBe(3);
    expect(dec.stderr).toMatch(/truncated: it ends inside image 3 of 4.*wrote every image stored whole; 2 of 4 are lost/);
    expect(last(dec.stdout)).toMatchObject({ images: 2, checksum: 'ok', truncated: { total: 4, whole: 2 } });
    expect((await readdir(join(dir, 'saved'))).sort()).toEqual(['cut3-001.png', 'cut3-002.png']);
    for (let k = 0; k < 2; k++) expect(bitsOf(await readFile(join(dir, 'saved', `cut3-00${k + 1}.png`))), `image ${k + 1}`).toEqual(pics[k]!.bits);
  });

  it('one image still makes a version 1 file, decoded to the .png named', async () => {
    const enc = await codec('encode', join(dir, 'a.png'), join(dir, 'a.prnn'), '--model', MODEL);
    expect(enc.code, enc.stderr).toBe(0);
    expect(last(enc.stdout)).toMatchObject({ images: 1, version: 1, input: join(dir, 'a.png') });
    expect((await readFile(join(dir, 'a.prnn')))[4]).toBe(1);
    const dec = await codec('decode', join(dir, 'a.prnn'), join(dir, 'a-back.png'));
    expect(dec.code, dec.stderr).toBe(0);
    expect(bitsOf(await readFile(join(dir, 'a-back.png')))).toEqual(pics[0]!.bits);
  });
});
