import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { subPixelInputGradient } from '../../src/core/receptiveField';
import { archs, randomImages, tinyConfig } from './helpers';

/**
 * The test that matters most: the logits of sub-pixel p = (i, j, c) may depend only on sub-pixels before p
 * in raster-then-RGB order. We take the gradient of (a random projection of) p's logits with respect to
 * the input image (src/core/receptiveField.ts, which the app's receptive-field explorer uses too) and check
 * that it is exactly zero at p and everything after it.
 */
async function inputGradient(model: PixelModel, x: tf.Tensor4D, i: number, j: number, c: number, small?: tf.Tensor4D): Promise<Float32Array> {
  const K = model.config.output === 'binary' ? 1 : 256;
  const proj = tf.randomNormal([K], 0, 1, 'float32', 11 + i * 31 + j * 7 + c);
  const { value, grad } = subPixelInputGradient(model, x, { row: i, col: j, channel: c }, (sel) => tf.sum(tf.mul(sel, proj)), small);
  const values = (await grad.data()) as Float32Array;
  tf.dispose([proj, value, grad]);
  return values;
}

/** Positions to probe: the first row, first and last columns, the last pixel and the middle, every colour. */
function probes(c: ModelConfig): [number, number, number][] {
  const H = c.height, W = c.width;
  const cells: [number, number][] = [[0, 0], [0, 1], [0, W - 1], [1, 0], [1, W - 1], [Math.floor(H / 2), Math.floor(W / 2)], [H - 1, 0], [H - 1, W - 1], [H - 2, W - 2]];
  const out: [number, number, number][] = [];
  for (const [i, j] of cells) for (let ch = 0; ch < c.channels; ch++) out.push([i, j, ch]);
  return out;
}

async function checkCausal(model: PixelModel, small?: tf.Tensor4D) {
  const cfg = model.config;
  const x = randomImages(cfg, 1, 5);
  const { width: W, channels: C } = cfg;
  for (const [i, j, c] of probes(cfg)) {
    const g = await inputGradient(model, x, i, j, c, small);
    const p = (i * W + j) * C + c;
    const after: number[] = [];
    for (let q = p; q < g.length; q++) if (g[q] !== 0) after.push(q);
    expect(after, `sub-pixel (${i},${j},${c}) depends on later sub-pixels ${after.slice(0, 5).join(',')}`).toEqual([]);
    // Earlier sub-pixels certainly in the field: same pixel's earlier colours, left neighbour, the three above.
    const near: number[] = [];
    for (let ch = 0; ch < c; ch++) near.push((i * W + j) * C + ch);
    const neighbours: [number, number][] = [[i, j - 1], [i - 1, j - 1], [i - 1, j], [i - 1, j + 1]];
    for (const [y, xx] of neighbours) if (y >= 0 && xx >= 0 && xx < W) for (let ch = 0; ch < C; ch++) near.push((y * W + xx) * C + ch);
    for (const q of near) expect(g[q], `sub-pixel (${i},${j},${c}) should see sub-pixel index ${q}`).not.toBe(0);
  }
  x.dispose();
}

describe('causality of every architecture', () => {
  for (const arch of archs)
    for (const channels of [1, 3] as const) {
      it(`${arch}, ${channels === 1 ? 'binary' : 'RGB 256-way'}`, async () => {
        const model = new PixelModel(tinyConfig(arch, channels));
        await checkCausal(model);
        model.dispose();
      });
    }

  for (const arch of archs)
    it(`conditional multi-scale ${arch}, RGB: the small image does not break causality in the target`, async () => {
      const cfg = tinyConfig(arch, 3, { height: 8, width: 8, condition: { smallHeight: 4, smallWidth: 4, mapChannels: 4 } });
      const model = new PixelModel(cfg);
      const small = tf.tidy(() => tf.randomUniform([1, 4, 4, 3], 0, 256, 'int32', 9).toFloat() as tf.Tensor4D);
      await checkCausal(model, small);
      small.dispose();
      model.dispose();
    });
});

describe('receptive fields (SPEC.md §3)', () => {
  const big = (arch: ModelConfig['arch'], firstKernel = 3) => tinyConfig(arch, 1, { height: 12, width: 12, layers: 2, firstKernel });
  const earlierZeros = async (arch: ModelConfig['arch'], i: number, j: number, firstKernel = 3) => {
    const model = new PixelModel(big(arch, firstKernel));
    const x = randomImages(model.config, 1, 8);
    const g = await inputGradient(model, x, i, j, 0);
    const zeros: [number, number][] = [];
    for (let q = 0; q < i * 12 + j; q++) if (g[q] === 0) zeros.push([Math.floor(q / 12), q % 12]);
    x.dispose();
    model.dispose();
    return zeros;
  };

  it('the Diagonal BiLSTM sees every earlier pixel, even deep in the image', async () => {
    expect(await earlierZeros('diagonal', 10, 8, 7)).toEqual([]);
    expect(await earlierZeros('diagonal', 11, 11, 7)).toEqual([]);
  });

  it('…except the end of the row above beyond the first kernel: mask A hides a pixel from its own position', async () => {
    // A pixel's value enters the network only at later positions: for the last pixel of row i−1, those are
    // row i within the 7×7 (here 3×3) first kernel's reach, to the right of a pixel further left.
    expect(await earlierZeros('diagonal', 10, 2, 3)).toEqual([[9, 11]]);
  });

  it('the Row LSTM misses part of the context (its field is a triangle above the pixel)', async () => {
    const zeros = await earlierZeros('rowlstm', 10, 11);
    expect(zeros.length).toBeGreaterThan(0);
    // far left of the same row is outside the triangle
    expect(zeros).toContainEqual([10, 0]);
  });

  it('the PixelCNN field is bounded: rows far above are invisible', async () => {
    const zeros = await earlierZeros('pixelcnn', 10, 6);
    // 3×3 mask-A first layer and two blocks of one 3×3 each: at most 3 rows up
    for (let r = 0; r < 7; r++) for (let c = 0; c < 12; c++) expect(zeros).toContainEqual([r, c]);
  });
});
