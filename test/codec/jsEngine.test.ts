import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecModel, CodecError, decodeImage, decodeImages, encodeImage, encodeImages, type CodecModel } from '../../src/core/codec';
import { crc32, hex } from '../../src/core/codec/hash';
import { readFile, writeFile } from '../../src/core/codec/format';
import { nllPerImage } from '../../src/core/likelihood';
import type { ModelConfig } from '../../src/core/models/config';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { mulberry32 } from '../../src/core/random';
import { sampleCached } from '../../src/core/sampling/cached';
import { PixelCnnEvaluator, pixelCnnWeights } from '../../src/core/sampling/js/pixelcnn';
import { expectNoLeak, tinyConfig } from '../core/helpers';
import { randomise } from '../sampling/helpers';

/**
 * Files of the JavaScript evaluator (family 'js', src/core/sampling/js/pixelcnn.ts): the same bytes and the
 * same tables on every backend, encoder and decoder table for table, and the older tfjs-path files still
 * decoding where they were made.
 */

async function samples(m: PixelModel, n: number, seed: number): Promise<Uint8Array[]> {
  const per = m.config.height * m.config.width * m.config.channels;
  const { images } = await sampleCached(m, { count: n, seed });
  return Array.from({ length: n }, (_, b) => images.slice(b * per, (b + 1) * per));
}

function noise(m: PixelModel, seed: number): Uint8Array {
  const c = m.config;
  const rng = mulberry32(seed);
  return Uint8Array.from({ length: c.height * c.width * c.channels }, () => Math.floor(rng.next() * (c.output === 'binary' ? 2 : 256)));
}

/** Every quantised table an encode or decode used, per image, in coding order. */
function tables(): { onTable: (b: number, at: number, cum: Uint32Array) => void; seen: Uint32Array[][] } {
  const seen: Uint32Array[][] = [];
  return { seen, onTable: (b, at, cum) => ((seen[b] ??= [])[at] = cum.slice()) };
}

async function onBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const home = tf.getBackend();
  await tf.setBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend(home);
  }
}

describe.each([
  ['RGB', 3],
  ['binary', 1],
] as const)('codec with the JavaScript evaluator, %s', (_, channels) => {
  let model: PixelModel;
  let cm: CodecModel;
  let images: Uint8Array[];

  beforeAll(async () => {
    model = createModel(tinyConfig('pixelcnn', channels, { height: 7, width: 6, seed: 3 }));
    randomise(model, 19); // non-zero biases everywhere, logits far from flat
    cm = await codecModel(model, `js-${channels}`);
    images = [...(await samples(model, 2, 5)), noise(model, 6)];
  });
  afterAll(() => model.dispose());

  it('encoder and decoder quantise identical tables at every sub-pixel, and the decode is exact', async () => {
    for (const img of images) {
      const enc = tables();
      const dec = tables();
      const r = await encodeImage(cm, img, { onTable: enc.onTable });
      expect(r.header.backend).toBe('js');
      const d = await decodeImage(cm, r.file, { onTable: dec.onTable });
      expect([...d.image]).toEqual([...img]);
      expect(enc.seen[0]!.length).toBe(img.length);
      expect(dec.seen[0]!.length).toBe(img.length);
      for (let at = 0; at < img.length; at++) expect(dec.seen[0]![at], `sub-pixel ${at}`).toEqual(enc.seen[0]![at]);
    }
  });

  it('its probabilities are the model\'s: the NLL equals the tfjs forward pass\'s, and the tables differ from tfjs\'s by rounding only', async () => {
    const { height: H, width: W } = model.config;
    for (const img of images) {
      const js = tables();
      const tfjs = tables();
      const a = await encodeImage(cm, img, { onTable: js.onTable });
      const b = await encodeImage(cm, img, { onTable: tfjs.onTable, engine: 'tfjs' });
      const nats = tf.tidy(() => {
        const x = tf.tensor4d(img, [1, H, W, channels], 'float32');
        return nllPerImage(model.logits(x), x, model.config.output).arraySync()[0]!;
      });
      // (relative to the NLL, plus a thousandth of a bit for images the model is sure of: ~0 bits)
      expect(Math.abs(a.nllBits - nats / Math.LN2)).toBeLessThan(1e-5 * (nats / Math.LN2) + 1e-3);
      expect(Math.abs(a.nllBits - b.nllBits)).toBeLessThan(1e-5 * b.nllBits + 1e-3);
      // a table from float32 logits and one from float64 ones: a count or two apart where they differ at all
      let maxDiff = 0;
      for (let at = 0; at < img.length; at++) for (let v = 0; v < js.seen[0]![at]!.length; v++) maxDiff = Math.max(maxDiff, Math.abs(js.seen[0]![at]![v]! - tfjs.seen[0]![at]![v]!));
      expect(maxDiff).toBeLessThanOrEqual(4);
    }
  });

  it('the same bytes whichever tfjs backend holds the model, and decodes exactly on each', async () => {
    const onCpu = await encodeImages(cm, images);
    // The same weights loaded on wasm (their fingerprint says so): a file made there is byte for byte the same.
    await onBackend('wasm', async () => {
      const m2 = createModel(model.config);
      try {
        for (const [name, v] of model.params.vars) m2.params.vars.get(name)!.assign(tf.tensor(await v.data(), v.shape));
        const cm2 = await codecModel(m2, cm.id);
        expect(hex(cm2.fingerprint)).toBe(hex(cm.fingerprint));
        const onWasm = await encodeImages(cm2, images);
        onWasm.forEach((r, b) => expect([...r.file], `image ${b}`).toEqual([...onCpu[b]!.file]));
        // and the cpu-made files decode on wasm (no backend to switch to: 'js' runs anywhere)
        const back = await decodeImages(cm2, onCpu.map((r) => r.file));
        back.forEach((d, b) => expect([...d.image]).toEqual([...images[b]!]));
      } finally {
        m2.dispose();
      }
    });
  });

  it('a batch decodes in lockstep like one image at a time; files of both families in one call decode too', async () => {
    const jsFiles = (await encodeImages(cm, images)).map((r) => r.file);
    for (let b = 0; b < images.length; b++) expect([...(await encodeImage(cm, images[b]!)).file]).toEqual([...jsFiles[b]!]);
    const tfjsFile = (await encodeImage(cm, images[0]!, { engine: 'tfjs' })).file;
    expect(readFile(tfjsFile).header.backend).toBe(tf.getBackend());
    const mixed = await decodeImages(cm, [jsFiles[1]!, tfjsFile, jsFiles[2]!]);
    expect(mixed.map((d) => d.header.backend)).toEqual(['js', tf.getBackend(), 'js']);
    expect([...mixed[0]!.image]).toEqual([...images[1]!]);
    expect([...mixed[1]!.image]).toEqual([...images[0]!]);
    expect([...mixed[2]!.image]).toEqual([...images[2]!]);
  });

  it('uses no tensor while coding', async () => {
    await expectNoLeak(async () => {
      const before = tf.memory().numTensors;
      const r = await encodeImage(cm, images[0]!, { onProgress: () => expect(tf.memory().numTensors).toBe(before) });
      await decodeImage(cm, r.file, { onProgress: () => expect(tf.memory().numTensors).toBe(before) });
    });
  });
});

describe('JavaScript evaluator files: refusals, and the files made before it', () => {
  it('a model without the evaluator refuses a "js" file, saying why', async () => {
    const model = createModel(tinyConfig('rowlstm', 3, { seed: 4 }));
    try {
      const cm = await codecModel(model, 'tiny-row');
      expect(cm.js).toBeNull();
      const r = await encodeImage(cm, noise(model, 1));
      expect(r.header.backend).toBe(tf.getBackend()); // the tfjs path: no evaluator for the Row LSTM
      const payload = readFile(r.file).images[0]!.payload;
      const forged = writeFile({ ...r.header, backend: 'js' }, payload);
      await expect(decodeImage(cm, forged)).rejects.toThrow(/JavaScript evaluator.*PixelCNNs only, not for this rowlstm model/);
    } finally {
      model.dispose();
    }
  });

  it('an unknown backend code is refused as from a newer version or corrupt', async () => {
    const model = createModel(tinyConfig('pixelcnn', 1, { seed: 4 }));
    try {
      const cm = await codecModel(model, 'tiny-bin');
      const file = (await encodeImage(cm, noise(model, 2))).file.slice();
      const at = 6 + cm.id.length + 8 + 4 + 2;
      expect(file[at]).toBe(5); // 'js'
      file[at] = 6;
      new DataView(file.buffer).setUint32(file.length - 4, crc32(file.subarray(0, file.length - 4)));
      const e = await decodeImage(cm, file).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).kind).toBe('corrupt');
      expect((e as Error).message).toMatch(/newer version of PixelRNN Lab: unknown backend code 6 \(this version knows 1 cpu, 2 wasm, 3 webgpu, 4 webgl, 5 js\)/);
    } finally {
      model.dispose();
    }
  });

  // Files written by the codec before the evaluator existed (commit e78da0b, tfjs path on cpu and wasm):
  // test/codec/fixtures/v1-tfjs-files.json. They still decode, on the backend they name, through tfjs.
  // The models are rebuilt from their seeded configs: should the initialisation ever change, these fail
  // with the codec's "other weights" refusal, and the fixture must be made again (with the old code).
  const fixture = JSON.parse(readFileSync('test/codec/fixtures/v1-tfjs-files.json', 'utf8')) as {
    files: Record<string, { config: ModelConfig; id: string; image: number[]; file: string; backend: string }>;
  };
  for (const [name, f] of Object.entries(fixture.files))
    it(`an older file (${name}) decodes exactly on ${f.backend}, and elsewhere is refused naming ${f.backend}`, async () => {
      const bytes = new Uint8Array(Buffer.from(f.file, 'base64'));
      await onBackend(f.backend, async () => {
        const model = createModel(f.config);
        try {
          const cm = await codecModel(model, f.id);
          const d = await decodeImage(cm, bytes);
          expect(d.header.backend).toBe(f.backend);
          expect([...d.image]).toEqual(f.image);
          // and this version, asked for the tfjs path, writes the very same file
          expect([...(await encodeImage(cm, Uint8Array.from(f.image), { engine: 'tfjs' })).file]).toEqual([...bytes]);
        } finally {
          model.dispose();
        }
      });
      const other = f.backend === 'cpu' ? 'wasm' : 'cpu';
      await onBackend(other, async () => {
        const model = createModel(f.config);
        try {
          await expect(decodeImage(await codecModel(model, f.id), bytes)).rejects.toThrow(new RegExp(`encoded on the ${f.backend} backend.*Switch to ${f.backend}`));
        } finally {
          model.dispose();
        }
      });
    });
});

describe('the JavaScript evaluator\'s files stay decodable', () => {
  // Files of family 'js' made by the evaluator when it was introduced (test/codec/fixtures/js-files.json),
  // with a CRC of every logit it computed for them (float64 bytes). Its order of operations is part of the
  // format: a change that reorders a sum changes some logit's last bits, which rarely moves an integer
  // frequency (so the tiny files may still decode) but always fails the CRC here, unless it comes with a new
  // family code. Models rebuilt from seeded configs and weights.
  const fixture = JSON.parse(readFileSync('test/codec/fixtures/js-files.json', 'utf8')) as {
    files: Record<string, { config: ModelConfig; randomise: number; id: string; image: number[]; file: string; logitsCrc: number }>;
  };
  for (const [name, f] of Object.entries(fixture.files))
    it(`${name}: the same logits to the bit; decodes exactly, on cpu and on wasm, and is written again byte for byte`, async () => {
      {
        const model = createModel(f.config);
        randomise(model, f.randomise);
        const w = await pixelCnnWeights(model);
        model.dispose();
        const { height: H, width: W, channels: C } = f.config;
        const K = C === 1 ? 1 : 256;
        const logits = new Float64Array(H * W * C * K);
        const ev = new PixelCnnEvaluator(w);
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) ev.logitsAt(i, j, c, Uint8Array.from(f.image), logits, ((i * W + j) * C + c) * K);
        expect(crc32(new Uint8Array(logits.buffer))).toBe(f.logitsCrc);
      }
      const bytes = new Uint8Array(Buffer.from(f.file, 'base64'));
      expect(readFile(bytes).header.backend).toBe('js');
      for (const backend of ['cpu', 'wasm'])
        await onBackend(backend, async () => {
          const model = createModel(f.config);
          try {
            randomise(model, f.randomise);
            const cm = await codecModel(model, f.id);
            expect([...(await decodeImage(cm, bytes)).image]).toEqual(f.image);
            expect([...(await encodeImage(cm, Uint8Array.from(f.image))).file]).toEqual([...bytes]);
          } finally {
            model.dispose();
          }
        });
    });
});

describe('cancelling the JavaScript path', () => {
  it('lets the event loop run: an abort from a timer stops a long decode midway', async () => {
    // The shipped Emoji-32 PixelCNN's shape (random weights): hundreds of milliseconds of synchronous work.
    const model = createModel(tinyConfig('pixelcnn', 3, { height: 32, width: 32, layers: 8, hidden: 48, headWidth: 192, seed: 2 }));
    try {
      const cm = await codecModel(model, 'big');
      const img = noise(model, 3);
      const { file } = await encodeImage(cm, img);
      const ctrl = new AbortController();
      let done = 0;
      setTimeout(() => ctrl.abort(), 40);
      const t = performance.now();
      await expect(decodeImage(cm, file, { signal: ctrl.signal, onProgress: (d) => void (done = d) })).rejects.toThrow(/cancelled/);
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(img.length);
      expect(performance.now() - t).toBeLessThan(5000);
    } finally {
      model.dispose();
    }
  }, 120_000);
});
