import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/core/models/config';
import { countReads } from '../../src/core/sampling/benchmark';
import { sampleCached } from '../../src/core/sampling/cached';
import { sampleCachedOnDevice, sampleNaiveOnDevice } from '../../src/core/sampling/device';
import { BELOW_ONE, drawOnDevice, float32Uniform } from '../../src/core/sampling/deviceDraw';
import { drawBinary, drawCategorical } from '../../src/core/sampling/draw';
import type { DeviceSampleOptions } from '../../src/core/sampling/types';
import { mulberry32 } from '../../src/core/random';
import { knownMask, randomModel, tiny } from './helpers';

/**
 * The sampler that draws on the device (src/core/sampling/device.ts): the same images as the naive sampler
 * drawing on the device, whatever the read-back mode; as few read-backs as promised; the device draw equal
 * to the CPU one away from float ties. Runs on the cpu backend, and on WebGPU (Dawn) with TFJS_BACKEND=webgpu.
 */

const backend = tf.getBackend();
const ARCHS: Arch[] = ['pixelcnn', 'rowlstm', 'diagonal'];
const model = randomModel;


describe(`device draw = CPU draw away from float ties (${backend})`, () => {
  it('categorical, binary and temperature 0 on random logits', async () => {
    const rng = mulberry32(5);
    const B = 64;
    const K = 256;
    for (const temperature of [1, 0.7, 0]) {
      const logits = Float32Array.from({ length: B * K }, () => 4 * (rng.next() + rng.next() + rng.next() - 1.5));
      const u = Array.from({ length: B }, () => float32Uniform(rng.next()));
      const drawn = drawOnDevice(tf.tensor2d(logits, [B, K]), tf.tensor2d(u, [B, 1]), temperature);
      const v = await drawn.value.data();
      const lp = await drawn.logProb.data();
      tf.dispose([drawn.value, drawn.logProb]);
      for (let b = 0; b < B; b++) {
        expect(v[b]).toBe(drawCategorical(logits, b * K, K, temperature, u[b]!));
        let max = -Infinity;
        for (let k = 0; k < K; k++) max = Math.max(max, logits[b * K + k]!);
        let total = 0;
        for (let k = 0; k < K; k++) total += Math.exp(logits[b * K + k]! - max);
        expect(lp[b]).toBeCloseTo(logits[b * K + v[b]!]! - max - Math.log(total), 4);
      }
      const bl = Float32Array.from({ length: B }, () => 6 * (rng.next() - 0.5));
      const bd = drawOnDevice(tf.tensor2d(bl, [B, 1]), tf.tensor2d(u, [B, 1]), temperature);
      const bv = await bd.value.data();
      tf.dispose([bd.value, bd.logProb]);
      for (let b = 0; b < B; b++) expect(bv[b]).toBe(drawBinary(bl[b]!, temperature, u[b]!));
    }
  });

  it('a uniform next to 1 never indexes past the last category, nor 0 before the first', async () => {
    expect(float32Uniform(1 - 2 ** -40)).toBe(BELOW_ONE);
    expect(BELOW_ONE).toBeLessThan(1);
    const K = 256;
    // Flat; all mass on the first value (the others underflow to 0); all on the last; a spike in the middle.
    const rows = [new Float32Array(K), Float32Array.from({ length: K }, (_, k) => (k === 0 ? 0 : -200)), Float32Array.from({ length: K }, (_, k) => (k === K - 1 ? 0 : -200)), Float32Array.from({ length: K }, (_, k) => (k === 77 ? 50 : 0))];
    const logits = tf.tensor2d(Float32Array.from(rows.flatMap((r) => Array.from(r))), [rows.length, K]);
    for (const [u, expected] of [
      [BELOW_ONE, [255, 0, 255, 77]],
      [0, [0, 0, 255, 0]], // u = 0 takes the first value with S_v > 0: 0 (e^−50 survives in float32; e^−200 does not)
    ] as const) {
      const d = drawOnDevice(logits, tf.fill([rows.length, 1], u), 1);
      expect(Array.from(await d.value.data())).toEqual(expected);
      tf.dispose([d.value, d.logProb]);
    }
    logits.dispose();
  });
});

describe(`sampling on the device = naive sampling on the device (${backend})`, () => {
  for (const arch of ARCHS) {
    for (const rgb of [false, true]) {
      const kind = rgb ? 'RGB' : 'binary';
      it(`${arch} ${kind}: same images and log-probs, one read-back per row, no leaked tensors`, async () => {
        const cfg = tiny(arch, rgb);
        const m = model(cfg);
        const options: DeviceSampleOptions = { count: 2, seed: 11 };
        const before = tf.memory().numTensors;
        const { out: cached, reads } = await countReads(() => sampleCachedOnDevice(m, options));
        expect(tf.memory().numTensors).toBe(before);
        const naive = await sampleNaiveOnDevice(m, { ...options, readback: 'per-step' });
        const host = await sampleCached(m, options);
        m.dispose();
        expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
        for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(naive.logProb[b]!, 3);
        // One read per row, the last bringing the log-probabilities too; nothing else read anything back.
        expect(cached.readbacks).toBe(cfg.height);
        expect(reads).toBe(cfg.height);
        // 'per-step' reads after every drawn sub-pixel, plus the final read.
        expect(naive.readbacks).toBe(cfg.height * cfg.width * cfg.channels + 1);
        // The CPU draw (float64) agrees with the device draw (float32) away from ties: none in these images.
        expect(Array.from(host.images)).toEqual(Array.from(cached.images));
        for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(host.logProb[b]!, 2);
      });

      it(`${arch} ${kind}: inpainting mask, temperature 0.8, 'frame' read-backs`, async () => {
        const cfg = tiny(arch, rgb);
        const m = model(cfg, 5);
        const known = knownMask(cfg);
        const options: DeviceSampleOptions = { count: 2, seed: 5, temperature: 0.8, known };
        const before = tf.memory().numTensors;
        let lagging = 0;
        const cached = await sampleCachedOnDevice(m, {
          ...options,
          readback: 'frame',
          frameMs: 0,
          onStep: (p) => {
            expect(p.imagesDone).toBeLessThanOrEqual(p.done);
            if (p.imagesDone! < p.done) lagging++;
          },
        });
        expect(tf.memory().numTensors).toBe(before);
        const naive = await sampleNaiveOnDevice(m, options);
        m.dispose();
        expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
        for (let b = 0; b < 2; b++) expect(cached.logProb[b]).toBeCloseTo(naive.logProb[b]!, 3);
        for (let i = 0; i < known.mask.length; i++) if (known.mask[i]) expect(cached.images[i]).toBe(known.image[i]);
        expect(lagging).toBeGreaterThan(0); // frames show the images as read back, not as drawn
        expect(cached.readbacks).toBeGreaterThan(1);
      });
    }

    it(`${arch}: conditional (multi-scale) model`, async () => {
      const cfg = tiny(arch, true, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } });
      const m = model(cfg, 4);
      const small = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, k) => (k * 53) % 256);
      const options: DeviceSampleOptions = { count: 2, seed: 4, small };
      const before = tf.memory().numTensors;
      const cached = await sampleCachedOnDevice(m, options);
      expect(tf.memory().numTensors).toBe(before);
      const naive = await sampleNaiveOnDevice(m, options);
      m.dispose();
      expect(Array.from(cached.images)).toEqual(Array.from(naive.images));
    });
  }

  it('stops on abort with the images drawn so far, without leaking; temperature 0 is the argmax', async () => {
    const cfg = tiny('diagonal', true);
    const m = model(cfg, 1);
    const full = await sampleCachedOnDevice(m, { count: 1, seed: 1 });
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const res = await sampleCachedOnDevice(m, { count: 1, seed: 1, signal: ac.signal, onStep: (p) => (p.done === 20 ? ac.abort() : undefined) });
    expect(res.stopped).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(res.images.subarray(0, 20))).toEqual(Array.from(full.images.subarray(0, 20)));
    expect(Array.from(res.images.subarray(20)).every((v) => v === 0)).toBe(true);
    const greedy = await sampleCachedOnDevice(m, { count: 1, seed: 1, temperature: 0 });
    const greedyNaive = await sampleNaiveOnDevice(m, { count: 1, seed: 99, temperature: 0 });
    expect(Array.from(greedy.images)).toEqual(Array.from(greedyNaive.images));
    m.dispose();
  });
});

describe.runIf(backend === 'webgpu')('the device draw on cpu and on WebGPU: the same images', () => {
  it('every architecture, RGB and binary', async () => {
    for (const arch of ARCHS)
      for (const rgb of [false, true]) {
        const cfg = tiny(arch, rgb);
        // Weights made on cpu (a WebGPU tensor cannot be read synchronously in Node), then used on both.
        await tf.setBackend('cpu');
        const m = model(cfg, 8);
        const onCpu = await sampleCachedOnDevice(m, { count: 2, seed: 21 });
        await tf.setBackend('webgpu');
        const onGpu = await sampleCachedOnDevice(m, { count: 2, seed: 21 });
        m.dispose();
        expect(Array.from(onGpu.images), `${arch} ${rgb ? 'RGB' : 'binary'}`).toEqual(Array.from(onCpu.images));
      }
  });
});
