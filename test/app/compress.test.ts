/**
 * The Compress tab's logic outside the browser: the surprise map's scale and read-out, the PNG baseline
 * writer, and the codec worker's backend choice and handlers (encode → decode through them, refusals as values,
 * progress, cancel, no tensor left behind).
 */
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBits, heatColour, pixelBits, scaleMax, scalePosition, scaleTicks, STOPS, surpriseRGBA } from '../../src/canvas/surprise';
import { bitsPerPixel, codecModel, encodeFile } from '../../src/core/codec';
import { nllPerImage } from '../../src/core/likelihood';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { mulberry32 } from '../../src/core/random';
import { codecHandlers } from '../../src/worker/codec';
import { decodeBackend, encodeBackend, encodeEngine } from '../../src/worker/codecBackend';
import type { BackendName, Probe } from '../../src/gpu/names';
import type { CodecProgress } from '../../src/worker/codecProtocol';
import { encodePng, scanlines } from '../../src/worker/png';
import type { CallContext } from '../../src/worker/rpc';
import { expectNoLeak, tinyConfig } from '../core/helpers';

describe('surprise map', () => {
  it('colours 0 bits with the first stop and the top of the scale (or more) with the last', () => {
    expect(heatColour(0, 8)).toEqual([...STOPS[0]!]);
    expect(heatColour(8, 8)).toEqual([...STOPS.at(-1)!]);
    expect(heatColour(80, 8)).toEqual([...STOPS.at(-1)!]);
    expect(heatColour(-1, 8)).toEqual([...STOPS[0]!]);
    // Half-way between the first two stops (4 intervals): t = 1/8 on the square-root scale, 8/64 bits.
    const mid = heatColour(8 / 64, 8);
    for (let k = 0; k < 3; k++) expect(mid[k]).toBe(Math.round((STOPS[0]![k]! + STOPS[1]![k]!) / 2));
  });

  it('tops the scale at a round number at or above the largest pixel', () => {
    expect(scaleMax([0.3, 7.2, 1])).toBe(10);
    expect(scaleMax([12.5])).toBe(20);
    expect(scaleMax([3])).toBe(5);
    expect(scaleMax([0.04])).toBeCloseTo(0.05, 12);
    expect(scaleMax([0, 0])).toBe(1);
    const rng = mulberry32(5);
    for (let i = 0; i < 200; i++) {
      const v = rng.next() * 10 ** (rng.next() * 6 - 2);
      const m = scaleMax([v]);
      expect(m).toBeGreaterThanOrEqual(v);
      expect(m).toBeLessThanOrEqual(2.5 * v + 1e-12);
    }
    expect(scaleTicks(16)).toEqual([0, 1, 4, 9, 16]);
    // Ticks sit evenly along the colours: tick i of n is at position i/n.
    scaleTicks(20).forEach((b, i) => expect(scalePosition(b, 20)).toBeCloseTo(i / 4, 12));
    // Brighter for more bits (the scale is monotone).
    for (let b = 0; b < 20; b += 0.5) expect(scalePosition(b + 0.5, 20)).toBeGreaterThan(scalePosition(b, 20));
    expect(formatBits(3.14159)).toBe('3.14');
    expect(formatBits(31.4159)).toBe('31.4');
  });

  it('reads out a pixel: its colours\' bits sum to the map\'s value there, which is drawn in its colour', () => {
    const config = { height: 3, width: 4, channels: 3 as const };
    const rng = mulberry32(9);
    const modelBits = Float64Array.from({ length: 36 }, () => rng.next() * 12);
    const map = bitsPerPixel(modelBits, config);
    const max = scaleMax(map);
    const rgba = surpriseRGBA(map, max);
    expect(rgba.length).toBe(12 * 4);
    for (let row = 0; row < 3; row++)
      for (let col = 0; col < 4; col++) {
        const p = row * 4 + col;
        const r = pixelBits(modelBits, 4, 3, row, col);
        expect(r.channels).toEqual([modelBits[p * 3]!, modelBits[p * 3 + 1]!, modelBits[p * 3 + 2]!]);
        expect(r.total).toBeCloseTo(map[p]!, 12);
        expect([...rgba.subarray(p * 4, p * 4 + 4)]).toEqual([...heatColour(map[p]!, max), 255]);
      }
    // Binary / grey: one channel.
    expect(pixelBits(Float64Array.of(0.5, 2), 2, 1, 0, 1)).toEqual({ channels: [2], total: 2 });
  });
});

describe('PNG baseline writer', () => {
  it('writes 8-bit RGB that decodes to the same pixels', async () => {
    const rng = mulberry32(3);
    const [H, W] = [7, 5];
    const pixels = Uint8Array.from({ length: H * W * 3 }, (_, i) => (i % 3 === 0 ? Math.floor(rng.next() * 256) : (i * 7) % 256));
    const bytes = await encodePng({ pixels, height: H, width: W, channels: 3, binary: false });
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([W, H]);
    expect(bytes[24]).toBe(8); // bit depth
    expect(bytes[25]).toBe(2); // truecolour
    for (let p = 0; p < H * W; p++) expect([...png.data.subarray(p * 4, p * 4 + 3)]).toEqual([...pixels.subarray(p * 3, p * 3 + 3)]);
  });

  it('writes binary images as 1-bit greyscale, 8 pixels a byte', async () => {
    const rng = mulberry32(4);
    const [H, W] = [4, 13];
    const pixels = Uint8Array.from({ length: H * W }, () => (rng.next() < 0.4 ? 1 : 0));
    const bytes = await encodePng({ pixels, height: H, width: W, channels: 1, binary: true });
    expect(bytes[24]).toBe(1);
    expect(bytes[25]).toBe(0);
    const png = PNG.sync.read(Buffer.from(bytes));
    for (let p = 0; p < H * W; p++) expect(png.data[p * 4]).toBe(pixels[p]! * 255);
    expect(scanlines({ pixels, height: H, width: W, channels: 1, binary: true }).length).toBe(H * (1 + 2));
  });

  it('picks the filter per row that leaves the least to code', () => {
    // Every row a ramp 0, 1, 2 …: "sub" leaves 1s; the second row equals the first, so "up" leaves 0s.
    const W = 16;
    const pixels = new Uint8Array(2 * W * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < W; x++) pixels.fill(x * 9, (y * W + x) * 3, (y * W + x + 1) * 3);
    const rows = scanlines({ pixels, height: 2, width: W, channels: 3, binary: false });
    expect(rows[0]).toBe(1); // sub
    expect(rows[1 + 3 * W]).toBe(2); // up
    expect([...rows.subarray(2 + 3 * W)].every((v) => v === 0)).toBe(true);
  });
});

describe('codec worker: its backend', () => {
  const probe = (name: BackendName, available: boolean): Probe => ({ name, available, software: false, detail: available ? 'ok' : `no ${name} here` });
  const all = (...off: BackendName[]) => (['webgpu', 'wasm', 'webgl', 'cpu'] as BackendName[]).map((n) => probe(n, !off.includes(n)));

  it('encodes on wasm, or on ?backend= when it runs here, else cpu', () => {
    expect(encodeBackend(all(), null)).toBe('wasm');
    expect(encodeBackend(all(), 'webgpu')).toBe('webgpu');
    expect(encodeBackend(all('webgpu'), 'webgpu')).toBe('wasm');
    expect(encodeBackend(all('wasm'), null)).toBe('cpu');
  });

  it('codes with the default engine (the JavaScript evaluator where it applies) unless ?backend= names a backend that runs', () => {
    expect(encodeEngine(all(), null)).toBe('auto');
    expect(encodeEngine(all(), 'cpu')).toBe('tfjs');
    expect(encodeEngine(all('webgpu'), 'webgpu')).toBe('auto');
  });

  it('decodes on the backend the file names, or refuses naming it; a "js" file on any', () => {
    expect(decodeBackend(all(), 'js')).toEqual({ ok: true, name: 'wasm' });
    expect(decodeBackend(all('wasm'), 'js')).toEqual({ ok: true, name: 'cpu' });
    expect(decodeBackend(all(), 'js', 'webgpu')).toEqual({ ok: true, name: 'webgpu' });
    expect(decodeBackend(all(), 'webgl')).toEqual({ ok: true, name: 'webgl' });
    const no = decodeBackend(all('webgpu'), 'webgpu');
    expect(no.ok).toBe(false);
    expect((no as { message: string }).message).toMatch(/encoded on the webgpu backend, which this browser does not run \(no webgpu here\)/);
  });
});

describe('codec worker handlers', () => {
  const config = tinyConfig('pixelcnn', 3, { height: 5, width: 5, layers: 1 });
  const source = { kind: 'config' as const, config };
  let model: PixelModel;
  let image: Uint8Array;
  const handlers = codecHandlers;

  function ctx(signal = new AbortController().signal): CallContext<CodecProgress> & { events: CodecProgress[] } {
    const events: CodecProgress[] = [];
    return { events, emit: (e) => events.push(e), signal };
  }
  const unwrap = <T>(out: T | { value: T; transfer: Transferable[] }): T => (out && typeof out === 'object' && 'transfer' in out && 'value' in out ? (out as { value: T }).value : (out as T));
  const compress = (img: Uint8Array, c = ctx()) => handlers.compress({ image: img, modelId: 'tiny', source, forced: 'cpu' }, c);

  beforeAll(async () => {
    model = createModel(config); // the same seeded weights the worker builds from this source
    const rng = mulberry32(11);
    image = Uint8Array.from({ length: 75 }, () => Math.floor(rng.next() * 256));
    await compress(image.slice()); // loads the worker's model (kept: not a leak)
  });
  afterAll(() => model.dispose());

  it('compresses and restores exactly on cpu, with progress, and leaves no tensor behind', async () => {
    const enc = unwrap(await expectNoLeak(() => compress(image.slice())));
    if (!enc.ok) throw new Error(enc.message);
    expect(enc.backend).toBe('cpu');
    expect(enc.headerBytes + enc.payloadBytes).toBe(enc.file.length);
    expect(enc.headerBytes).toBe(30 + 'tiny'.length);
    // The surprise map's bits are the model's: they sum to the NLL of one full forward pass.
    const nats = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, 5, 5, 3], 'float32');
      return nllPerImage(model.logits(x), x, 'softmax256').arraySync()[0]!;
    });
    expect(enc.modelBits.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(enc.nllBits, 6);
    expect(enc.nllBits).toBeCloseTo(nats / Math.LN2, 2);
    expect(8 * enc.file.length).toBeLessThanOrEqual(enc.nllBits + 8 * (enc.headerBytes + 5));

    const c = ctx();
    const dec = unwrap(await expectNoLeak(() => handlers.restore({ file: enc.file.slice(), modelId: 'tiny', source }, c)));
    if (!dec.ok) throw new Error(dec.message);
    expect([...dec.image]).toEqual([...image]);
    expect(dec.modelId).toBe('tiny');
    expect(dec.backend).toBe('cpu');
    expect(c.events.at(-1)).toEqual({ done: 75, total: 75 });
  });

  it('with no ?backend=, codes with the portable JavaScript evaluator (a PixelCNN) and restores exactly', async () => {
    const enc = unwrap(await handlers.compress({ image: image.slice(), modelId: 'tiny', source, forced: null }, ctx()));
    if (!enc.ok) throw new Error(enc.message);
    expect(enc.backend).toBe('js');
    const c = ctx();
    const dec = unwrap(await handlers.restore({ file: enc.file.slice(), modelId: 'tiny', source }, c));
    if (!dec.ok) throw new Error(dec.message);
    expect(dec.backend).toBe('js');
    expect([...dec.image]).toEqual([...image]);
    expect(c.events.at(-1)).toEqual({ done: 75, total: 75 });
  });

  it('restores every picture of a multi-image file (format version 2), one after the other, with progress over them all', async () => {
    const rng = mulberry32(12);
    const pictures = [image, ...Array.from({ length: 2 }, () => Uint8Array.from({ length: 75 }, () => Math.floor(rng.next() * 256)))];
    // made outside the worker with the same seeded weights (the file's fingerprint must match the worker's model)
    const { file } = await encodeFile(await codecModel(model, 'tiny'), pictures);
    expect(file[4]).toBe(2);
    const c = ctx();
    const dec = unwrap(await expectNoLeak(() => handlers.restore({ file: file.slice(), modelId: 'tiny', source }, c)));
    if (!dec.ok) throw new Error(dec.message);
    expect(dec.count).toBe(3);
    expect([...dec.image]).toEqual(pictures.flatMap((p) => [...p]));
    expect(c.events.at(-1)).toEqual({ done: 225, total: 225 });
    // cut inside the second picture: the first is given back (checked), and the loss is said
    const cut = unwrap(await handlers.restore({ file: file.slice(0, 40 + 75), modelId: 'tiny', source }, ctx()));
    if (!cut.ok) throw new Error(cut.message);
    expect(cut.count).toBe(1);
    expect([...cut.image]).toEqual([...pictures[0]!]);
    expect(cut.truncated?.total).toBe(3);
    expect(cut.truncated?.message).toMatch(/ends inside image 2 of 3/);
    // cut inside the first: nothing whole, refused
    const none = unwrap(await handlers.restore({ file: file.slice(0, 30), modelId: 'tiny', source }, ctx()));
    expect(none).toMatchObject({ ok: false, kind: 'truncated' });
  });

  it('returns the codec\'s refusals as values with their kind', async () => {
    const enc = unwrap(await compress(image.slice()));
    if (!enc.ok) throw new Error(enc.message);
    const other = unwrap(await handlers.restore({ file: enc.file.slice(), modelId: 'someone-else', source }, ctx()));
    expect(other).toMatchObject({ ok: false, kind: 'model' });
    expect((other as { message: string }).message).toContain('Load "tiny"');
    const cut = unwrap(await handlers.restore({ file: enc.file.slice(0, -3), modelId: 'tiny', source }, ctx()));
    expect(cut).toMatchObject({ ok: false, kind: 'truncated' });
    const flipped = enc.file.slice();
    flipped[enc.headerBytes + 1]! ^= 1;
    expect(unwrap(await handlers.restore({ file: flipped, modelId: 'tiny', source }, ctx()))).toMatchObject({ ok: false, kind: 'corrupt' });
    expect(unwrap(await compress(image.subarray(0, 10)))).toMatchObject({ ok: false, kind: 'shape' });
  });

  it('stops when cancelled, with no tensor left behind', async () => {
    const controller = new AbortController();
    const c = ctx(controller.signal);
    const emit = c.emit;
    c.emit = (e) => {
      emit(e);
      controller.abort();
    };
    await expectNoLeak(async () => {
      await expect(compress(image.slice(), c)).rejects.toThrow(/cancel/i);
    });
    expect(c.events[0]!.done).toBeLessThan(75);
  });
});
