import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitsPerPixel, codecModel, CodecError, decodeImage, decodeImages, encodeImage, encodeImages, headerBytes, readHeader, type CodecModel, type Engine } from '../../src/core/codec';
import { readFile } from '../../src/core/codec/format';
import { crc32 } from '../../src/core/codec/hash';
import { nllPerImage } from '../../src/core/likelihood';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { mulberry32 } from '../../src/core/random';
import { sampleCached } from '../../src/core/sampling/cached';
import { archs, expectNoLeak, tinyConfig } from '../core/helpers';

/** Random images of the model's shape: uniform values, or 0/1 for binary. */
function noise(m: PixelModel, n: number, seed: number): Uint8Array[] {
  const c = m.config;
  const per = c.height * c.width * c.channels;
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: per }, () => Math.floor(rng.next() * (c.output === 'binary' ? 2 : 256))));
}

/** Images the model likes: its own samples (the realistic case, where the coder is far from uniform). */
async function samples(m: PixelModel, n: number, seed: number): Promise<Uint8Array[]> {
  const c = m.config;
  const per = c.height * c.width * c.channels;
  const { images } = await sampleCached(m, { count: n, seed });
  return Array.from({ length: n }, (_, b) => images.slice(b * per, (b + 1) * per));
}

function codecError(fn: () => Promise<unknown> | unknown, kind: string, message?: RegExp): Promise<void> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => {
        throw new Error(`expected a CodecError "${kind}", got a result`);
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(CodecError);
        expect((e as CodecError).kind).toBe(kind);
        if (message) expect((e as Error).message).toMatch(message);
      },
    );
}

describe.each(archs)('codec round trip: %s', (arch) => {
  // PixelCNNs code with the JavaScript evaluator by default (family 'js'), and with tfjs when asked
  for (const [channels, engine] of [[1, 'auto'], [3, 'auto'], ...(arch === 'pixelcnn' ? [[1, 'tfjs'], [3, 'tfjs']] : [])] as Array<[1 | 3, Engine]>) {
    it(`${channels === 1 ? 'binary' : 'RGB'}, engine ${engine}: decodes exactly, within a few bytes of the NLL, without leaks`, async () => {
      const model = createModel(tinyConfig(arch, channels, { seed: 11 }));
      try {
        const cm = await codecModel(model, `tiny-${arch}-${channels}`);
        const images = [...(await samples(model, 2, 4)), ...noise(model, 1, 9)];
        await expectNoLeak(async () => {
          for (const img of images) {
            const enc = await encodeImage(cm, img, { engine });
            expect(enc.header.backend).toBe(arch === 'pixelcnn' && engine === 'auto' ? 'js' : tf.getBackend());
            const dec = await decodeImage(cm, enc.file);
            expect([...dec.image]).toEqual([...img]);
            // payload = ideal bits of the quantised tables + the coder's final state (3 bytes of it the
            // pixel CRC's, up to 9 bits the coder's); the quantised tables cost little more than the NLL
            expect(enc.payloadBytes * 8).toBeLessThanOrEqual(enc.quantizedBits + 24 + 9);
            expect(enc.quantizedBits).toBeLessThanOrEqual(enc.nllBits * 1.01 + 0.05 * img.length);
            expect(enc.file.length).toBe(enc.payloadBytes + headerBytes(cm.id.length));
          }
        });
      } finally {
        model.dispose();
      }
    });
  }
});

describe('codec', () => {
  let model: PixelModel;
  let other: PixelModel;
  let cm: CodecModel;
  let image: Uint8Array;
  let file: Uint8Array;

  beforeAll(async () => {
    model = createModel(tinyConfig('pixelcnn', 3, { seed: 21 }));
    other = createModel(tinyConfig('pixelcnn', 3, { seed: 22 }));
    cm = await codecModel(model, 'tiny-rgb');
    image = (await samples(model, 1, 1))[0]!;
    file = (await encodeImage(cm, image)).file;
  });
  afterAll(() => {
    model.dispose();
    other.dispose();
  });

  it('files of a batch total at most NLL + header + 2 bytes per image (model NLL from the same logits)', async () => {
    const images = await samples(model, 6, 31);
    const results = await encodeImages(cm, images);
    const fileBytes = results.reduce((s, r) => s + r.file.length, 0);
    const nllBytes = results.reduce((s, r) => s + r.nllBits / 8, 0);
    // the header, the 3 bytes of pixel CRC that ride in the coder's state (rans.ts), and 2 bytes
    const fixed = headerBytes(cm.id.length) + 3;
    expect(fileBytes).toBeLessThanOrEqual(nllBytes + images.length * (fixed + 2));
    for (const r of results) expect(r.file.length).toBeLessThanOrEqual(r.nllBits / 8 + fixed + 2);
  });

  it('a batch in lockstep gives the same files as one image at a time (on this backend)', async () => {
    const images = [...(await samples(model, 3, 41)), ...noise(model, 2, 42)];
    const batched = await encodeImages(cm, images);
    for (let b = 0; b < images.length; b++) expect([...batched[b]!.file]).toEqual([...(await encodeImage(cm, images[b]!)).file]);
    const decoded = await decodeImages(cm, batched.map((r) => r.file));
    decoded.forEach((d, b) => expect([...d.image]).toEqual([...images[b]!]));
  });

  it('matches the model NLL computed by the full forward pass', async () => {
    const enc = await encodeImage(cm, image);
    const nats = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, 6, 6, 3], 'float32');
      return nllPerImage(model.logits(x), x, 'softmax256').arraySync()[0]!;
    });
    expect(enc.nllBits).toBeCloseTo(nats / Math.LN2, 2);
  });

  it('gives the surprise map: bits per pixel that sum to the NLL', async () => {
    const enc = await encodeImage(cm, image);
    const map = bitsPerPixel(enc.modelBits, model.config);
    expect(map.length).toBe(36);
    expect(map.reduce((a, b) => a + b, 0)).toBeCloseTo(enc.nllBits, 6);
    const green = bitsPerPixel(enc.modelBits, model.config, 1);
    expect(green[7]).toBe(enc.modelBits[7 * 3 + 1]);
    expect(Math.min(...map)).toBeGreaterThanOrEqual(0);
  });

  it('writes a header that can be read back', () => {
    const h = readHeader(file);
    expect(h).toMatchObject({ version: 1, modelId: 'tiny-rgb', height: 6, width: 6, channels: 3, output: 'softmax256', backend: 'js', images: 1 });
    expect(readFile(file).images[0]!.pixelCrcHigh).toBe(crc32(image) >>> 24);
  });

  it('refuses a file of another model, and of the same id with other weights', async () => {
    await codecError(async () => decodeImage(await codecModel(other, 'another-model'), file), 'model', /made with the model "tiny-rgb"/);
    await codecError(async () => decodeImage(await codecModel(other, 'tiny-rgb'), file), 'model', /other weights/);
  });

  it('refuses an empty file, a wrong magic, a truncated file and a flipped byte anywhere', async () => {
    await codecError(() => decodeImage(cm, new Uint8Array(0)), 'empty', /empty/);
    await codecError(() => decodeImage(cm, new TextEncoder().encode('\x89PNG\r\n\x1a\n')), 'not-prnn', /Not a \.prnn file/);
    await codecError(() => decodeImage(cm, file.subarray(0, file.length - 10)), 'truncated', /truncated/);
    await codecError(() => decodeImage(cm, file.subarray(0, 12)), 'truncated', /truncated/);
    await codecError(() => decodeImage(cm, new Uint8Array([...file, 0])), 'corrupt', /unexpected bytes/);
    // every single byte flipped: refused before decoding (CRC), or by the field it breaks
    for (let i = 0; i < file.length; i++) {
      const bad = file.slice();
      bad[i]! ^= 0x10;
      await expect(decodeImage(cm, bad)).rejects.toBeInstanceOf(CodecError);
    }
    const bad = file.slice();
    bad[16]! ^= 1; // inside the weights fingerprint
    await codecError(() => decodeImage(cm, bad), 'corrupt', /CRC-32/);
  });

  it('refuses a newer version', async () => {
    const bad = file.slice();
    bad[4] = 9;
    await codecError(() => decodeImage(cm, bad), 'version', /version 9/);
  });

  it('reports a pixel-checksum failure instead of returning the image', async () => {
    // a file whose pixel CRC is wrong but whose own CRC is right: as if encoded by a backend that rounds differently
    const enc = await encodeImage(cm, image);
    const forged = (await import('../../src/core/codec/format')).writeFile({ ...enc.header, pixelCrcHigh: enc.header.pixelCrcHigh ^ 1 }, file.subarray(file.length - 4 - enc.payloadBytes, file.length - 4));
    await codecError(() => decodeImage(cm, forged), 'checksum', /do not match the checksum/);
  });

  it('reports coded data that does not fit the probabilities (valid file CRC) as a checksum failure', async () => {
    const enc = await encodeImage(cm, image);
    const payload = file.slice(file.length - 4 - enc.payloadBytes, file.length - 4);
    payload[Math.floor(payload.length / 2)]! ^= 0x55;
    const forged = (await import('../../src/core/codec/format')).writeFile(enc.header, payload);
    await codecError(() => decodeImage(cm, forged), 'checksum', /Decoding failed/);
  });

  it('refuses a file made on another backend family, naming it', async () => {
    const enc = await encodeImage(cm, image, { engine: 'tfjs' });
    const payload = enc.file.subarray(enc.file.length - 4 - enc.payloadBytes, enc.file.length - 4);
    const elsewhere = tf.getBackend() === 'wasm' ? 'webgpu' : 'wasm';
    const foreign = (await import('../../src/core/codec/format')).writeFile({ ...enc.header, backend: elsewhere }, payload);
    await codecError(() => decodeImage(cm, foreign), 'backend', new RegExp(`encoded on the ${elsewhere} backend.*Switch to ${elsewhere}`));
    // forced, the decode runs; on the same arithmetic (this backend's, relabelled) it succeeds
    expect([...(await decodeImage(cm, foreign, { allowOtherBackend: true })).image]).toEqual([...image]);
  });

  it('refuses images of the wrong size or values a binary model cannot code', async () => {
    await codecError(() => encodeImage(cm, new Uint8Array(10)), 'shape', /6×6×3/);
    const bin = createModel(tinyConfig('pixelcnn', 1));
    try {
      const bcm = await codecModel(bin, 'tiny-bin');
      await codecError(() => encodeImage(bcm, new Uint8Array(36).fill(255)), 'input', /0 and 1/);
      await codecError(() => decodeImage(bcm, file), 'model');
    } finally {
      bin.dispose();
    }
  });

  it('can be cancelled, leaking nothing', async () => {
    const ctrl = new AbortController();
    await expectNoLeak(async () => {
      await expect(
        encodeImage(cm, image, {
          signal: ctrl.signal,
          onProgress: (done) => {
            if (done === 20) ctrl.abort();
          },
        }),
      ).rejects.toThrow(/cancelled/);
    });
  });
});

describe('codec across backends', () => {
  it('a file forced through another backend (cpu ↔ wasm) decodes exactly or fails its checksum, never a wrong image', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const home = tf.getBackend();
    const model = createModel(tinyConfig('rowlstm', 3, { seed: 5 }));
    try {
      const cm = await codecModel(model, 'tiny-cross');
      const images = [...(await samples(model, 2, 8)), ...noise(model, 2, 9)];
      const files: Uint8Array[] = [];
      for (const img of images) files.push((await encodeImage(cm, img)).file);
      await tf.setBackend(home === 'wasm' ? 'cpu' : 'wasm');
      const outcomes: string[] = [];
      for (let i = 0; i < files.length; i++) {
        await codecError(() => decodeImage(cm, files[i]!), 'backend', /Switch to/);
        try {
          const d = await decodeImage(cm, files[i]!, { allowOtherBackend: true });
          expect([...d.image]).toEqual([...images[i]!]);
          outcomes.push('exact');
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
          expect((e as CodecError).kind).toBe('checksum');
          expect((e as Error).message).toMatch(new RegExp(`decode it on ${home}`));
          outcomes.push('checksum');
        }
      }
      console.log(`made on ${home}, decoded on ${tf.getBackend()}: ${outcomes.join(', ')}`);
    } finally {
      await tf.setBackend(home);
      model.dispose();
    }
  });
});
