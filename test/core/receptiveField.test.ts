import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Arch, ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { fieldCoverage, perPixelMax, receptiveField, subPixelIndex, subPixelInputGradient, subPixelLogProb } from '../../src/core/receptiveField';
import { nllPerImage } from '../../src/core/likelihood';
import { expectNoLeak, randomImages, tinyConfig } from './helpers';

/**
 * The receptive-field explorer's core (src/core/receptiveField.ts): the gradient of one sub-pixel's
 * log-probability with respect to the input image, [H,W,C]; exactly zero at the sub-pixel and after it; the
 * PixelCNN's blind spot exactly zero where the Gated PixelCNN sees; the log-probability equals the model's
 * NLL term; no tensors left behind.
 */

const S = 10;
const cfg = (arch: Arch, channels: 1 | 3, over: Partial<ModelConfig> = {}) => tinyConfig(arch, channels, { height: S, width: S, layers: 2, firstKernel: 3, ...over });

async function imageOf(c: ModelConfig, seed = 4): Promise<Uint8Array> {
  const x = randomImages(c, 1, seed);
  const v = Uint8Array.from(await x.data());
  x.dispose();
  return v;
}

describe('receptiveField', () => {
  for (const arch of ['pixelcnn', 'rowlstm', 'diagonal', 'gated'] as const)
    for (const channels of [1, 3] as const)
      it(`${arch}, ${channels === 1 ? 'binary' : 'RGB'}: shape [H·W·C], zero at the sub-pixel and every later one, non-zero at its neighbours, no leak`, async () => {
        const model = new PixelModel(cfg(arch, channels));
        // (An image where no colour group's ReLUs are all off at a probed neighbour: with so few features, some
        // images switch a whole group off there, and its gradient is then an exact zero inside the field.)
        const image = await imageOf(model.config, 5);
        for (const at of [
          { row: 6, col: 4, channel: channels - 1 },
          { row: 0, col: 1, channel: 0 },
          { row: S - 1, col: S - 1, channel: 0 },
        ]) {
          const f = await expectNoLeak(() => receptiveField(model, image, at));
          expect(f.magnitude).toHaveLength(S * S * channels);
          expect(f.perPixel).toHaveLength(S * S);
          expect([f.height, f.width, f.channels]).toEqual([S, S, channels]);
          expect(Number.isFinite(f.logProb) && f.logProb <= 0).toBe(true);
          const p = subPixelIndex(at, S, channels);
          const later: number[] = [];
          for (let q = p; q < f.magnitude.length; q++) if (f.magnitude[q] !== 0) later.push(q);
          expect(later, `(${at.row},${at.col},${at.channel}) depends on later sub-pixels`).toEqual([]);
          for (let q = 0; q < f.magnitude.length; q++) expect(f.magnitude[q]).toBeGreaterThanOrEqual(0);
          // the left neighbour and the pixel above are in every architecture's field
          const near: [number, number][] = [[at.row, at.col - 1], [at.row - 1, at.col]];
          for (const [y, x] of near) if (y >= 0 && x >= 0) expect(f.perPixel[y * S + x], `(${y},${x}) for (${at.row},${at.col})`).toBeGreaterThan(0);
          expect(fieldCoverage(f).laterNonZero).toBe(0);
        }
        model.dispose();
      });

  it('the log-probability is the model’s own: minus its NLL term for that sub-pixel (RGB and binary)', async () => {
    for (const channels of [1, 3] as const) {
      const model = new PixelModel(cfg('pixelcnn', channels));
      const image = await imageOf(model.config, 9);
      // read straight from the logits: the binary NLL of likelihood.ts, the log-softmax of 256 classes
      const at = { row: 3, col: 5, channel: channels - 1 };
      const f = await receptiveField(model, image, at);
      const want = tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(image), [1, S, S, channels]);
        const l = model.logits(x);
        if (channels === 1) {
          const one = l.slice([0, at.row, at.col, 0], [1, 1, 1, 1]);
          const t = tf.tensor4d([image[at.row * S + at.col]!], [1, 1, 1, 1]);
          return tf.neg(nllPerImage(one, t, 'binary'));
        }
        return tf.logSoftmax(l.slice([0, at.row, at.col, at.channel, 0], [1, 1, 1, 1, 256]).reshape([256])).slice([image[subPixelIndex(at, S, 3)]!], [1]);
      });
      const w = (await want.data())[0]!;
      want.dispose();
      expect(f.logProb).toBeCloseTo(w, 4);
      model.dispose();
    }
  });

  it('is the gradient: a finite difference of the log-probability in one earlier sub-pixel agrees', async () => {
    const model = new PixelModel(cfg('rowlstm', 3));
    const image = await imageOf(model.config, 2);
    const at = { row: 4, col: 4, channel: 1 };
    const f = await receptiveField(model, image, at);
    const q = subPixelIndex({ row: 4, col: 3, channel: 2 }, S, 3);
    const logp = async (img: Float32Array) => {
      const v = tf.tidy(() => {
        const l = model.logits(tf.tensor4d(img, [1, S, S, 3]));
        return tf.logSoftmax(l.slice([0, at.row, at.col, at.channel, 0], [1, 1, 1, 1, 256]).reshape([256])).slice([image[subPixelIndex(at, S, 3)]!], [1]);
      });
      const out = (await v.data())[0]!;
      v.dispose();
      return out;
    };
    const h = 0.5;
    const up = Float32Array.from(image);
    up[q] += h;
    const down = Float32Array.from(image);
    down[q] -= h;
    const fd = Math.abs(((await logp(up)) - (await logp(down))) / (2 * h));
    expect(f.magnitude[q]).toBeGreaterThan(0);
    expect(Math.abs(f.magnitude[q]! - fd)).toBeLessThan(0.05 * f.magnitude[q]! + 1e-6);
    model.dispose();
  });

  it('PixelCNN: non-zero somewhere, exactly zero in its blind spot (above-right), where the Gated PixelCNN sees', async () => {
    const at = { row: 7, col: 4, channel: 0 };
    const pc = new PixelModel(cfg('pixelcnn', 1));
    const gated = new PixelModel(cfg('gated', 1));
    const image = await imageOf(pc.config, 6);
    const a = await receptiveField(pc, image, at);
    const b = await receptiveField(gated, image, at);
    // 3×3 mask-A first layer and two 3×3 mask-B blocks: nominal reach R = 3 in every direction.
    const R = 3;
    const blind: [number, number][] = [];
    for (let y = at.row - R; y < at.row; y++) for (let x = at.col - R; x <= at.col + R; x++) if (a.perPixel[y * S + x] === 0) blind.push([y - at.row, x - at.col]);
    expect(fieldCoverage(a).seenPixels).toBeGreaterThan(0);
    expect(blind.length).toBeGreaterThan(0);
    expect(blind).toContainEqual([-1, R]); // the row just above, beyond the first kernel's reach
    for (const [dy, dx] of blind) {
      expect(dx, `blind cell (${dy},${dx}) is not to the right`).toBeGreaterThan(0);
      expect(b.perPixel[(at.row + dy) * S + at.col + dx], `the Gated PixelCNN should see (${dy},${dx})`).toBeGreaterThan(0);
    }
    pc.dispose();
    gated.dispose();
  });

  it('Row LSTM: the far left of its own row is outside its field; Diagonal BiLSTM: every earlier pixel but the documented one', async () => {
    const image = await imageOf(cfg('rowlstm', 1), 8);
    const row = new PixelModel(cfg('rowlstm', 1));
    const r = await receptiveField(row, image, { row: 8, col: 9, channel: 0 });
    expect(r.perPixel[8 * S + 0]).toBe(0);
    row.dispose();
    const diag = new PixelModel(cfg('diagonal', 1, { firstKernel: 3 }));
    const d = await receptiveField(diag, image, { row: 8, col: 2, channel: 0 });
    const zeros: [number, number][] = [];
    for (let p = 0; p < 8 * S + 2; p++) if (d.perPixel[p] === 0) zeros.push([Math.floor(p / S), p % S]);
    // SPEC.md §3 and causality.test.ts: the end of the row above, beyond the first kernel's reach.
    expect(zeros).toEqual([[7, S - 1]]);
    diag.dispose();
  });

  it('subPixelInputGradient differentiates any function of the logits and checks its arguments', async () => {
    const model = new PixelModel(cfg('pixelcnn', 3));
    const x = randomImages(model.config, 2, 1);
    await expectNoLeak(async () => {
      const { value, grad } = subPixelInputGradient(model, x, { row: 2, col: 2, channel: 0, image: 1 }, (l) => l.sum() as tf.Scalar);
      expect(grad.shape).toEqual([2, S, S, 3]);
      const g = await grad.data();
      // nothing of image 0
      for (let q = 0; q < S * S * 3; q++) expect(g[q]).toBe(0);
      expect(Number.isFinite((await value.data())[0]!)).toBe(true);
      tf.dispose([value, grad]);
    });
    expect(() => subPixelInputGradient(model, x, { row: S, col: 0, channel: 0 }, (l) => l.sum() as tf.Scalar)).toThrow(/outside/);
    x.dispose();
    const image = new Uint8Array(S * S * 3);
    await expect(receptiveField(model, image.subarray(1), { row: 0, col: 0, channel: 0 })).rejects.toThrow(/sub-pixels/);
    model.dispose();
  });

  it('subPixelLogProb and perPixelMax', async () => {
    const v = tf.tidy(() => [subPixelLogProb(tf.tensor1d([0]), 1), subPixelLogProb(tf.tensor1d([0]), 0), subPixelLogProb(tf.zeros([256]) as tf.Tensor1D, 17)]);
    const got = await Promise.all(v.map((t) => t.data().then((d) => d[0]!)));
    tf.dispose(v);
    expect(got[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(got[1]).toBeCloseTo(Math.log(0.5), 6);
    expect(got[2]).toBeCloseTo(-Math.log(256), 5);
    expect(Array.from(perPixelMax([1, 5, 2, 0, 0, 3], 3))).toEqual([5, 3]);
  });
});
