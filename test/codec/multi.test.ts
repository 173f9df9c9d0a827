/**
 * Multi-image .prnn files (format version 2): round trips on both logits sources, the size bound on a batch,
 * a one-image file against version 1, each refusal's message, and version 1 files read by the new reader.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecModel, CodecError, decodeFile, decodeImage, encodeFile, encodeImage, fileOverhead, headerBytes, readHeader, type CodecModel, type Engine } from '../../src/core/codec';
import { readFile, varintBytes, writeFileV2, type PrnnImage } from '../../src/core/codec/format';
import { crc32 } from '../../src/core/codec/hash';
import type { ModelConfig } from '../../src/core/models/config';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { mulberry32 } from '../../src/core/random';
import { sampleCached } from '../../src/core/sampling/cached';
import { expectNoLeak, tinyConfig } from '../core/helpers';

async function images(m: PixelModel, n: number, seed: number): Promise<Uint8Array[]> {
  const c = m.config;
  const per = c.height * c.width * c.channels;
  const { images: s } = await sampleCached(m, { count: n - 1, seed });
  const out = Array.from({ length: n - 1 }, (_, b) => s.slice(b * per, (b + 1) * per));
  // and one of noise: the coder far from the model's liking
  const rng = mulberry32(seed);
  out.push(Uint8Array.from({ length: per }, () => Math.floor(rng.next() * (c.output === 'binary' ? 2 : 256))));
  return out;
}

async function refusal(fn: () => Promise<unknown> | unknown): Promise<CodecError> {
  const e = await Promise.resolve()
    .then(fn)
    .then(
      () => null,
      (x: unknown) => x,
    );
  expect(e).toBeInstanceOf(CodecError);
  return e as CodecError;
}

/** The file with its last 4 bytes made the CRC of the rest again: a file written wrongly, not damaged. */
function recrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)));
  return out;
}

describe.each([
  ['binary', 1],
  ['RGB', 3],
] as const)('multi-image files, %s', (_, channels) => {
  for (const engine of ['auto', 'tfjs'] as Engine[])
    it(`engine ${engine}: every image round-trips, each decodes alone, without leaks`, async () => {
      const model = createModel(tinyConfig('pixelcnn', channels, { seed: 13 }));
      try {
        const cm = await codecModel(model, `tiny-multi-${channels}`);
        const imgs = await images(model, 5, 3);
        await expectNoLeak(async () => {
          const enc = await encodeFile(cm, imgs, { engine, batch: 2 });
          expect(enc.file[4]).toBe(2); // version 2
          expect(readHeader(enc.file)).toMatchObject({ version: 2, images: 5, backend: engine === 'auto' ? 'js' : tf.getBackend(), channels });
          // the same coded data as one file per image
          enc.images.forEach((r, b) => expect(readFile(enc.file).images[b]!.payload).toEqual(readFile(r.file).images[0]!.payload));
          const dec = await decodeFile(cm, enc.file, { batch: 3 });
          expect(dec.images.map((d) => d.index)).toEqual([0, 1, 2, 3, 4]);
          dec.images.forEach((d, b) => expect([...d.image], `image ${b}`).toEqual([...imgs[b]!]));
          const alone = await decodeFile(cm, enc.file, { only: [3, 1] });
          expect(alone.images.map((d) => d.index)).toEqual([3, 1]);
          expect([...alone.images[0]!.image]).toEqual([...imgs[3]!]);
          expect([...alone.images[1]!.image]).toEqual([...imgs[1]!]);
        });
      } finally {
        model.dispose();
      }
    });
});

describe('multi-image files', () => {
  let model: PixelModel;
  let cm: CodecModel;
  let imgs: Uint8Array[];
  let file: Uint8Array;

  beforeAll(async () => {
    model = createModel(tinyConfig('pixelcnn', 3, { seed: 21 }));
    cm = await codecModel(model, 'tiny-rgb');
    imgs = await images(model, 3, 5);
    file = (await encodeFile(cm, imgs)).file;
  });
  afterAll(() => model.dispose());

  it('a batch: file ≤ NLL + one header + a few bytes per image; far below one file per image', async () => {
    const batch = await images(model, 8, 31);
    const enc = await encodeFile(cm, batch);
    const nllBytes = enc.images.reduce((s, r) => s + r.nllBits / 8, 0);
    const idBytes = cm.id.length;
    // shared: magic, version, id, fingerprint, shape, output, family, count, file CRC
    const shared = fileOverhead(idBytes, []);
    expect(shared).toBe(4 + 1 + 1 + idBytes + 8 + 4 + 3 + 1 + 4);
    expect(enc.overheadBytes).toBe(fileOverhead(idBytes, enc.images.map((r) => r.payloadBytes)));
    // per image: its length (1–2 bytes here), the CRC byte, the 3 CRC bytes in the coder's state, and 2
    for (const r of enc.images) expect(varintBytes(r.payloadBytes)).toBeLessThanOrEqual(2);
    expect(enc.file.length).toBeLessThanOrEqual(nllBytes + shared + batch.length * (2 + 1 + 3 + 2));
    const perImageFiles = enc.images.reduce((s, r) => s + r.file.length, 0);
    // against one file per image: each image but one saves a whole header (less its 2-3 bytes in the shared file)
    expect(perImageFiles - enc.file.length).toBe(batch.length * headerBytes(idBytes) - enc.overheadBytes);
    expect(perImageFiles - enc.file.length).toBeGreaterThanOrEqual((batch.length - 1) * headerBytes(idBytes) - batch.length * 3 - 1);
  });

  it('one image: encodeFile writes version 1, the same bytes as encodeImage; a version 2 file of one image is no larger', async () => {
    const one = await encodeFile(cm, [imgs[0]!]);
    const single = await encodeImage(cm, imgs[0]!);
    expect(one.file[4]).toBe(1);
    expect([...one.file]).toEqual([...single.file]);
    const { pixelCrcHigh, version: _, ...shared } = single.header;
    const v2 = writeFileV2(shared, [{ pixelCrcHigh, payload: single.payload }]);
    // 27 + n + the length's varint against 30 + n: 2 bytes less below 128 bytes of payload, 1 less to 16,383
    expect(v2.length).toBe(single.file.length - 3 + varintBytes(single.payloadBytes));
    expect(v2.length).toBeLessThanOrEqual(single.file.length);
    expect([...(await decodeImage(cm, v2)).image]).toEqual([...imgs[0]!]);
    expect([...(await decodeFile(cm, v2)).images[0]!.image]).toEqual([...imgs[0]!]);
    // a payload of 128 to 16,383 bytes (an Emoji-32 image's ~830) takes 2 bytes of length: 1 byte less than version 1
    const big = new Uint8Array(830);
    expect(writeFileV2(shared, [{ pixelCrcHigh, payload: big }]).length).toBe(30 + cm.id.length + 830 - 1);
  });

  it('refuses a file cut inside image k, naming it', async () => {
    const p = readFile(file);
    const start = (k: number) => file.length - 4 - p.images.slice(k).reduce((s, im) => s + varintBytes(im.payload.length) + 1 + im.payload.length, 0);
    // inside image 2's coded data
    let e = await refusal(() => decodeFile(cm, file.subarray(0, start(1) + 5)));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/truncated: it ends inside image 2 of 3, after \d+ bytes/);
    // image 2 whole and 4 bytes more (read as the file's CRC): image 3 is missing altogether
    e = await refusal(() => decodeFile(cm, file.subarray(0, start(2) + 4)));
    expect(e.kind).toBe('truncated');
    expect(e.message).toMatch(/ends inside image 3 of 3/);
    // only the file CRC missing
    e = await refusal(() => decodeFile(cm, file.subarray(0, file.length - 2)));
    expect(e.kind).toBe('truncated');
    // inside the header (before the count)
    e = await refusal(() => readHeader(file.subarray(0, 20)));
    expect(e.message).toMatch(/ends inside its header/);
  });

  it('salvage: a file cut short gives back every image stored whole before the cut, each checked by its own CRC', async () => {
    const p = readFile(file);
    const start = (k: number) => file.length - 4 - p.images.slice(k).reduce((s, im) => s + varintBytes(im.payload.length) + 1 + im.payload.length, 0);
    await expectNoLeak(async () => {
      // every cut from the count byte to the end: the images whole before it, no more and no fewer
      for (let cut = start(0); cut < file.length; cut++) {
        const short = file.subarray(0, cut);
        const e = await refusal(() => decodeFile(cm, short));
        expect(e.kind).toBe('truncated');
        const whole = [0, 1, 2].filter((k) => (k < 2 ? start(k + 1) : file.length - 4) <= cut).length;
        expect(e.salvage?.file.images.length ?? 0, `cut at ${cut}`).toBe(whole);
        if (whole === 0) {
          await refusal(() => decodeFile(cm, short, { salvage: true }));
          continue;
        }
        expect(e.message).toMatch(whole < 3 ? new RegExp(`ends inside image ${whole + 1} of 3.*first ${whole === 1 ? 'image is' : `${whole} images are`} whole`) : /inside its closing CRC.*every image is whole/);
        // the cuts at image boundaries and the last few bytes are enough to check the decoding itself
        if (cut !== start(1) && cut !== start(2) && cut < file.length - 4) continue;
        const dec = await decodeFile(cm, short, { salvage: true });
        expect(dec.truncated).toEqual({ total: 3, message: e.message });
        expect(dec.images.map((d) => d.index)).toEqual([0, 1, 2].slice(0, whole));
        dec.images.forEach((d, k) => expect([...d.image], `image ${k + 1}`).toEqual([...imgs[k]!]));
      }
    });
    // a whole file decodes as before, with nothing said to be lost
    expect((await decodeFile(cm, file, { salvage: true })).truncated).toBeUndefined();
  });

  it('salvage never returns a wrong image: a stored image whose bytes changed is refused by its pixel CRC', async () => {
    const p = readFile(file);
    const cut = file.length - 4 - (varintBytes(p.images[2]!.payload.length) + 1 + p.images[2]!.payload.length) + 3; // inside image 3
    const changed = file.slice(0, cut);
    const firstPayload = 6 + cm.id.length + 8 + 4 + 3 + 1 + varintBytes(p.images[0]!.payload.length) + 1;
    changed[firstPayload + 7]! ^= 0x10; // a bit inside image 1's coded data
    const e = await refusal(() => decodeFile(cm, changed, { salvage: true }));
    expect(e.kind).not.toBe('truncated');
    expect(e.message).toMatch(/image 1 of 3/);
  });

  it('refuses a count that disagrees with the data (file CRC intact: written wrongly), in both directions', async () => {
    const countAt = 6 + cm.id.length + 8 + 4 + 3;
    expect(file[countAt]).toBe(3);
    const more = file.slice();
    more[countAt] = 4;
    let e = await refusal(() => decodeFile(cm, recrc(more)));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/says it holds 4 images, but its data holds 3 \(it ends inside image 4\); its CRC holds, so it was written wrongly/);
    const fewer = file.slice();
    fewer[countAt] = 2;
    e = await refusal(() => decodeFile(cm, recrc(fewer)));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/says it holds 2 images, but \d+ bytes of data follow image 2/);
    const none = file.slice();
    none[countAt] = 0;
    e = await refusal(() => readHeader(recrc(none.subarray(0, countAt + 1 + 4))));
    expect(e.message).toMatch(/holds no image/);
  });

  it('refuses any changed byte, and bytes appended', async () => {
    for (let i = 0; i < file.length; i++) {
      const bad = file.slice();
      bad[i]! ^= 0x10;
      await expect(decodeFile(cm, bad), `byte ${i}`).rejects.toBeInstanceOf(CodecError);
    }
    const bad = file.slice();
    bad[file.length - 40]! ^= 1; // inside image 3's coded data
    const e = await refusal(() => decodeFile(cm, bad));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/CRC-32 does not match its contents/);
    const longer = await refusal(() => decodeFile(cm, new Uint8Array([...file, 7, 7])));
    expect(longer.message).toMatch(/2 unexpected bytes after its end/);
  });

  it('a version from the future is refused as written by a newer version; decodeImage sends a multi-image file to decodeFile', async () => {
    const v3 = file.slice();
    v3[4] = 3;
    const e = await refusal(() => decodeFile(cm, v3));
    expect(e.kind).toBe('version');
    expect(e.message).toMatch(/format version 3: it was written by a newer version of PixelRNN Lab; this one reads versions 1 to 2/);
    const m = await refusal(() => decodeImage(cm, file));
    expect(m.kind).toBe('input');
    expect(m.message).toMatch(/holds 3 images; decode it with decodeFile/);
    const k = await refusal(() => decodeFile(cm, file, { only: [3] }));
    expect(k.message).toMatch(/No image 4 in this file: it holds 3 images/);
  });

  it('a pixel-checksum failure names the image; the others are never returned wrong', async () => {
    const p = readFile(file);
    const forged: PrnnImage[] = p.images.map((im, k) => ({ payload: im.payload, pixelCrcHigh: k === 1 ? im.pixelCrcHigh ^ 1 : im.pixelCrcHigh }));
    const { images: _, version: __, ...shared } = p.header;
    const bad = writeFileV2(shared, forged);
    const e = await refusal(() => decodeFile(cm, bad));
    expect(e.kind).toBe('checksum');
    expect(e.message).toMatch(/Decoding image 2 of 3 failed: the decoded pixels do not match the checksum/);
    // image 1 and 3 still decode on their own
    const ok = await decodeFile(cm, bad, { only: [0, 2] });
    expect([...ok.images[1]!.image]).toEqual([...imgs[2]!]);
  });

  it('progress counts the sub-pixels of every image, once each', async () => {
    const seen: number[] = [];
    await decodeFile(cm, file, { batch: 2, onProgress: (done, total) => void seen.push(done, total) });
    const per = 6 * 6 * 3;
    expect(seen.at(-2)).toBe(3 * per);
    expect(seen.at(-1)).toBe(3 * per);
    const dones = seen.filter((_, i) => i % 2 === 0);
    expect(dones.every((d, i) => i === 0 || d > dones[i - 1]!)).toBe(true);
  });
});

describe('version 1 files through the new reader', () => {
  // test/codec/fixtures/v1-tfjs-files.json: files written before version 2 existed, on cpu
  const fixture = JSON.parse(readFileSync('test/codec/fixtures/v1-tfjs-files.json', 'utf8')) as {
    files: Record<string, { config: ModelConfig; id: string; image: number[]; file: string; backend: string }>;
  };
  for (const [name, f] of Object.entries(fixture.files).filter(([, f]) => f.backend === 'cpu'))
    it(`${name} decodes through decodeFile as a file of one image`, async () => {
      if (tf.getBackend() !== 'cpu') return;
      const bytes = new Uint8Array(Buffer.from(f.file, 'base64'));
      expect(readHeader(bytes)).toMatchObject({ version: 1, images: 1, modelId: f.id });
      const model = createModel(f.config);
      try {
        const d = await decodeFile(await codecModel(model, f.id), bytes);
        expect(d.images.length).toBe(1);
        expect([...d.images[0]!.image]).toEqual(f.image);
      } finally {
        model.dispose();
      }
    });
});
