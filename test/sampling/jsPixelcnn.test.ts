import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/core/io/artifacts';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { mulberry32 } from '../../src/core/random';
import { jsSupports, PixelCnnEvaluator, pixelCnnWeights } from '../../src/core/sampling/js/pixelcnn';
import { fileHandler } from '../../scripts/lib/fileIO';
import { randomModel, tiny } from './helpers';

/** Random raw images [H·W·C] for the model (0/1 binary, 0…255 otherwise). */
function images(m: PixelModel, n: number, seed: number): Uint8Array[] {
  const c = m.config;
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: c.height * c.width * c.channels }, () => Math.floor(rng.next() * (c.output === 'binary' ? 2 : 256))));
}

/** The full forward pass's logits (tfjs, float32) of one image: [H·W·C·K]. */
async function tfjsLogits(m: PixelModel, image: Uint8Array): Promise<Float32Array> {
  const { height: H, width: W, channels: C } = m.config;
  const t = tf.tidy(() => m.logits(tf.tensor4d(image, [1, H, W, C], 'float32')));
  const out = (await t.data()) as Float32Array;
  t.dispose();
  return out;
}

/** Every sub-pixel's logits from the evaluator, asked in raster × RGB order (or only where `ask` says). */
function jsLogits(ev: PixelCnnEvaluator, m: PixelModel, image: Uint8Array, ask: (at: number) => boolean = () => true): Float64Array {
  const { height: H, width: W, channels: C } = m.config;
  const K = m.config.output === 'binary' ? 1 : 256;
  const out = new Float64Array(H * W * C * K).fill(NaN);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++)
      for (let c = 0; c < C; c++) {
        const at = (i * W + j) * C + c;
        if (ask(at)) ev.logitsAt(i, j, c, image, out, at * K);
      }
  return out;
}

/** max |a − b| over the scale of the logits (max |a|, at least 1). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!));
  }
  return d / s;
}

describe('JavaScript PixelCNN evaluator', () => {
  const cases: Array<[string, Parameters<typeof tiny>[2], boolean]> = [
    ['RGB 256-way', {}, true],
    ['binary', {}, false],
    ['RGB, no residual, no skip, 3 layers, 3×3 first kernel', { residual: false, skip: false, layers: 3, firstKernel: 3 }, true],
    ['RGB, 7×7 first kernel, hidden 9 (groups of 3)', { firstKernel: 7, hidden: 9, headWidth: 15 }, true],
  ];
  for (const [name, extra, rgb] of cases)
    it(`${name}: every sub-pixel's logits match the tfjs forward pass to float tolerance`, async () => {
      const m = randomModel(tiny('pixelcnn', rgb, extra, 2), 5);
      try {
        const w = await pixelCnnWeights(m);
        for (const img of images(m, 2, 17)) {
          const want = await tfjsLogits(m, img);
          const got = jsLogits(new PixelCnnEvaluator(w), m, img);
          expect(got.length).toBe(want.length);
          // float32 (tfjs) against float64 (here): a few ulps of float32 of the logits' scale
          expect(relDiff(want, got)).toBeLessThan(2e-5);
          // and not trivially: the logits vary
          expect(Math.max(...want) - Math.min(...want)).toBeGreaterThan(1);
        }
      } finally {
        m.dispose();
      }
    });

  it('a wrong colour order would show: the logits of channel c do not depend on channels ≥ c of the pixel', async () => {
    const m = randomModel(tiny('pixelcnn', true, {}, 2), 8);
    try {
      const w = await pixelCnnWeights(m);
      const [a] = images(m, 1, 3);
      const { width: W, channels: C } = m.config;
      const out1 = new Float64Array(256);
      const out2 = new Float64Array(256);
      // Pixel (2, 3): its G logits given R; changing its G and B (and everything later) changes nothing.
      const b = a!.slice();
      const p = 2 * W + 3;
      b[p * C + 1] = (a![p * C + 1]! + 77) % 256;
      b[p * C + 2] = (a![p * C + 2]! + 13) % 256;
      for (let q = (p + 1) * C; q < b.length; q++) b[q] = (b[q]! + 101) % 256;
      const e1 = new PixelCnnEvaluator(w);
      const e2 = new PixelCnnEvaluator(w);
      e1.logitsAt(2, 3, 1, a!, out1);
      e2.logitsAt(2, 3, 1, b, out2);
      expect([...out2]).toEqual([...out1]);
      // …but changing its R does.
      b[p * C] = (a![p * C]! + 50) % 256;
      const e3 = new PixelCnnEvaluator(w);
      e3.logitsAt(2, 3, 1, b, out2);
      expect(relDiff(out1, out2)).toBeGreaterThan(1e-3);
    } finally {
      m.dispose();
    }
  });

  it('steps it is not asked for are caught up from the image: the same numbers, bit for bit', async () => {
    const m = randomModel(tiny('pixelcnn', true, {}, 1), 9);
    try {
      const w = await pixelCnnWeights(m);
      const [img] = images(m, 1, 4);
      const all = jsLogits(new PixelCnnEvaluator(w), m, img!);
      const some = jsLogits(new PixelCnnEvaluator(w), m, img!, (at) => at % 7 === 3 || at % 11 === 0);
      let asked = 0;
      for (let at = 0; at < img!.length; at++)
        if (at % 7 === 3 || at % 11 === 0) {
          asked++;
          expect([...some.subarray(at * 256, (at + 1) * 256)]).toEqual([...all.subarray(at * 256, (at + 1) * 256)]);
        }
      expect(asked).toBeGreaterThan(10);
      // Going back is refused.
      const ev = new PixelCnnEvaluator(w);
      ev.logitsAt(1, 1, 0, img!, new Float64Array(256));
      expect(() => ev.logitsAt(0, 4, 2, img!, new Float64Array(256))).toThrow(/only moves forward/);
    } finally {
      m.dispose();
    }
  });

  it('covers unconditional PixelCNNs only', () => {
    for (const arch of ['rowlstm', 'diagonal', 'gated'] as const) {
      const m = createModel(tiny(arch, true));
      expect(jsSupports(m)).toBe(false);
      m.dispose();
    }
    const m = createModel(tiny('pixelcnn', true));
    expect(jsSupports(m)).toBe(true);
    m.dispose();
  });

  it('the shipped Emoji-32 PixelCNN: its logits match tfjs on the first rows of an image', async () => {
    const dir = join('public/models', 'emoji32-pixelcnn');
    const { model } = await loadModel(fileHandler(dir), join(dir, 'model.json'));
    try {
      expect(jsSupports(model)).toBe(true);
      const [img] = images(model, 1, 12);
      // a smooth picture (the model's kind of image) rather than noise: a gradient with a disc
      for (let i = 0; i < 32; i++)
        for (let j = 0; j < 32; j++) {
          const inside = (i - 16) ** 2 + (j - 16) ** 2 < 100;
          img!.set(inside ? [250, 200, 40] : [255 - 4 * i, 255 - 2 * j, 255], (i * 32 + j) * 3);
        }
      const want = await tfjsLogits(model, img!);
      const ev = new PixelCnnEvaluator(await pixelCnnWeights(model));
      const rows = 18; // through the disc's top half
      const got = new Float64Array(rows * 32 * 3 * 256);
      for (let i = 0; i < rows; i++) for (let j = 0; j < 32; j++) for (let c = 0; c < 3; c++) ev.logitsAt(i, j, c, img!, got, ((i * 32 + j) * 3 + c) * 256);
      expect(relDiff(want.subarray(0, got.length), got)).toBeLessThan(2e-5);
    } finally {
      model.dispose();
    }
  }, 60_000);
});
