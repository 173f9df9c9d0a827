import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parameterCount, validateConfig, type ModelConfig } from '../../src/core/models/config';
import { forwardMacs } from '../../src/core/models/flops';
import { PixelModel } from '../../src/core/models/pixelModel';
import { presets } from '../../src/core/models/presets';
import { meanNll } from '../../src/core/likelihood';
import { subPixelInputGradient } from '../../src/core/receptiveField';
import { expectNoLeak, randomImages, tinyConfig } from './helpers';

/**
 * The Gated PixelCNN (arch 'gated'): causal by gradients and by forward passes, binary and RGB; its
 * receptive field has no blind spot where the PixelCNN's has one; parameter count, presets, no leaks.
 */

/** Gradient of (a random projection of) the logits of sub-pixel (i, j, c) of image `b` w.r.t. the input batch. */
async function inputGradient(model: PixelModel, x: tf.Tensor4D, i: number, j: number, c: number, b = 0): Promise<Float32Array> {
  const K = model.config.output === 'binary' ? 1 : 256;
  const proj = tf.randomNormal([K], 0, 1, 'float32', 11 + i * 31 + j * 7 + c);
  const { value, grad } = subPixelInputGradient(model, x, { row: i, col: j, channel: c, image: b }, (sel) => tf.sum(tf.mul(sel, proj)));
  const values = (await grad.data()) as Float32Array;
  tf.dispose([proj, value, grad]);
  return values;
}

describe('Gated PixelCNN: causality by gradients (batch of 2: no mixing across images)', () => {
  for (const channels of [1, 3] as const)
    for (const [residual, skip] of [[true, true], [false, false]] as const)
      it(`${channels === 1 ? 'binary' : 'RGB'}, residual ${residual}, skip ${skip}`, async () => {
        const cfg = tinyConfig('gated', channels, { residual, skip, firstKernel: 5 });
        const model = new PixelModel(cfg);
        const x = randomImages(cfg, 2, 5);
        const { height: H, width: W, channels: C } = cfg;
        const n = H * W * C;
        const cells: [number, number][] = [[0, 0], [0, 1], [0, W - 1], [1, 0], [1, W - 1], [3, 2], [H - 1, 0], [H - 1, W - 1]];
        await expectNoLeak(async () => {
          for (const [i, j] of cells)
            for (let c = 0; c < C; c++) {
              const g = await inputGradient(model, x, i, j, c, 1);
              const p = (i * W + j) * C + c;
              // nothing of the other image, nothing at or after p in this one
              const bad: number[] = [];
              for (let q = 0; q < n; q++) if (g[q] !== 0) bad.push(q);
              for (let q = p; q < n; q++) if (g[n + q] !== 0) bad.push(n + q);
              expect(bad, `sub-pixel (${i},${j},${c}) depends on ${bad.slice(0, 5).join(',')}`).toEqual([]);
              // it does see its earlier colours, its left neighbour and the three pixels above
              const near: number[] = [];
              for (let ch = 0; ch < c; ch++) near.push((i * W + j) * C + ch);
              for (const [y, xx] of [[i, j - 1], [i - 1, j - 1], [i - 1, j], [i - 1, j + 1]] as const)
                if (y >= 0 && xx >= 0 && xx < W) for (let ch = 0; ch < C; ch++) near.push((y * W + xx) * C + ch);
              for (const q of near) expect(g[n + q], `sub-pixel (${i},${j},${c}) should see sub-pixel ${q}`).not.toBe(0);
            }
        });
        x.dispose();
        model.dispose();
      });
});

/** Logits of two batches that agree before sub-pixel p and differ (differently per image) from p on. */
async function forwardCheck(model: PixelModel, p: number) {
  const c = model.config;
  const K = c.output === 'binary' ? 1 : 256;
  const hi = c.output === 'binary' ? 2 : 256;
  const n = c.height * c.width * c.channels;
  const batch = 3;
  const [va, vb] = await (async () => {
    const [a, b] = tf.tidy(() => {
      const base = tf.randomUniform([batch, c.height, c.width, c.channels], 0, hi, 'int32', 21).toFloat() as tf.Tensor4D;
      const shift = tf.randomUniform([batch, c.height, c.width, c.channels], 1, hi, 'int32', 22).toFloat();
      const later = tf.mod(tf.add(base, shift), hi); // never equal to base
      const mask = tf.greaterEqual(tf.range(0, n, 1, 'int32'), p).reshape([1, c.height, c.width, c.channels]).toFloat();
      const changed = tf.add(tf.mul(base, tf.sub(1, mask)), tf.mul(later, mask)) as tf.Tensor4D;
      return [model.logits(base).reshape([batch, n, K]), model.logits(changed).reshape([batch, n, K])];
    });
    const out = await Promise.all([a!.data(), b!.data()]);
    tf.dispose([a!, b!]);
    return out;
  })();
  for (let i = 0; i < batch; i++)
    for (let q = 0; q < p; q++)
      for (let k = 0; k < K; k++)
        if (va[(i * n + q) * K + k] !== vb[(i * n + q) * K + k]) throw new Error(`image ${i}: the logits of sub-pixel ${q} changed when sub-pixels ≥ ${p} changed`);
  let responds = false;
  for (let i = 0; i < batch * n * K && !responds; i++) if (va[i] !== vb[i]) responds = true;
  expect(responds).toBe(true);
}

describe('Gated PixelCNN: causality by forward passes, batch of 3', () => {
  for (const channels of [1, 3] as const)
    for (const [residual, skip] of [[true, true], [false, true], [true, false]] as const)
      it(`${channels === 1 ? 'binary' : 'RGB'}, residual ${residual}, skip ${skip}`, async () => {
        const model = new PixelModel(tinyConfig('gated', channels, { residual, skip, height: 5, width: 5, headWidth: 24 }));
        const n = 5 * 5 * channels;
        await expectNoLeak(async () => {
          for (const p of [1, channels, Math.floor(n / 2), n - 2]) await forwardCheck(model, p);
        });
        model.dispose();
      });
});

describe('blind spot: the PixelCNN has one, the Gated PixelCNN does not', () => {
  const S = 14;
  const cfg = (arch: ModelConfig['arch']) => tinyConfig(arch, 1, { height: S, width: S, layers: 2, firstKernel: 3 });
  /** Earlier pixels (y, x) whose gradient is exactly zero / non-zero for the logit of pixel (i, j). */
  const field = async (arch: ModelConfig['arch'], i: number, j: number) => {
    const model = new PixelModel(cfg(arch));
    const x = randomImages(model.config, 1, 8);
    const g = await inputGradient(model, x, i, j, 0);
    x.dispose();
    model.dispose();
    const seen = (y: number, xx: number) => g[y * S + xx] !== 0;
    return seen;
  };
  const i = 10;
  const j = 6;
  // 3×3 first layer (reach 1) and two layers of kernel 3 (one more each): nominal reach R = 3.
  const R = 3;

  it('the PixelCNN misses pixels above-right inside its nominal field (rows i−R … i−1, columns j−R … j+R)', async () => {
    const seen = await field('pixelcnn', i, j);
    const blind: [number, number][] = [];
    for (let y = i - R; y < i; y++) for (let x = j - R; x <= j + R; x++) if (!seen(y, x)) blind.push([y - i, x - j]);
    expect(blind.length).toBeGreaterThan(0);
    // the blind spot is above-right: the row just above beyond the first kernel's reach
    expect(blind).toContainEqual([-1, R]);
    for (const [, dx] of blind) expect(dx).toBeGreaterThan(0);
  });

  it('the Gated PixelCNN sees every earlier pixel of its field, rows i−R−1 … i−1 × columns j−R … j+R and j−R … j−1 of row i, and nothing else', async () => {
    const seen = await field('gated', i, j);
    const inField = (y: number, x: number) => (y >= i - R - 1 && y < i && Math.abs(x - j) <= R) || (y === i && x >= j - R && x < j);
    const wrong: string[] = [];
    for (let y = 0; y <= i; y++)
      for (let x = 0; x < S; x++) {
        if (y === i && x >= j) break;
        if (seen(y, x) !== inField(y, x)) wrong.push(`(${y - i},${x - j}) ${seen(y, x) ? 'seen' : 'unseen'}`);
      }
    expect(wrong).toEqual([]);
  });
});

describe('Gated PixelCNN: sizes, presets, leaks', () => {
  const configs: [string, ModelConfig][] = [
    ['binary', tinyConfig('gated', 1)],
    ['RGB', tinyConfig('gated', 3)],
    ['RGB, no skip, first kernel 1', tinyConfig('gated', 3, { skip: false, firstKernel: 1 })],
    ['no layers after the first', tinyConfig('gated', 1, { layers: 0 })],
  ];
  for (const [name, config] of configs)
    it(`parameterCount equals the built model's count, weights have the live stack shapes: ${name}`, () => {
      const model = new PixelModel(config);
      expect(parameterCount(config)).toBe(model.params.count());
      const k = config.firstKernel;
      const r = (k - 1) / 2;
      const h2 = 2 * config.hidden;
      expect(model.params.get('in/v/w').shape).toEqual([r + 1, k, config.channels, 2 * h2]);
      expect(model.params.get('in/h/w').shape).toEqual([1, r + 1, config.channels, 2 * h2]);
      if (config.layers > 0) expect(model.params.get('l0/v/w').shape).toEqual([2, 3, h2, 2 * h2]);
      model.dispose();
    });

  it('presets: browser-sized for MNIST and Emoji-32 near the medium PixelCNNs, the paper-sized one valid', () => {
    const pairs = [
      ['medium-mnist-gated', 'medium-mnist-pixelcnn'],
      ['medium-emoji-gated', 'medium-emoji-pixelcnn'],
    ] as const;
    for (const [gated, cnn] of pairs) {
      const g = presets[gated];
      expect(g.arch).toBe('gated');
      const ratio = parameterCount(g) / parameterCount(presets[cnn]);
      expect(ratio).toBeGreaterThan(0.6);
      expect(ratio).toBeLessThan(1.6);
      const macs = forwardMacs(g) / forwardMacs(presets[cnn]);
      expect(macs).toBeGreaterThan(0.6);
      expect(macs).toBeLessThan(1.6);
    }
    expect(presets['paper-cifar-gated']).toMatchObject({ arch: 'gated', channels: 3, output: 'softmax256' });
    expect(() => validateConfig(presets['paper-cifar-gated'])).not.toThrow();
  });

  it('refuses a multi-scale condition', () => {
    expect(() => validateConfig(tinyConfig('gated', 3, { condition: { smallHeight: 3, smallWidth: 3, mapChannels: 4 } }))).toThrow(/no multi-scale condition/);
  });

  it('forward, loss and gradients leak no tensors; a few dozen Adam steps lower the loss clearly', async () => {
    for (const channels of [1, 3] as const) {
      const m = new PixelModel(tinyConfig('gated', channels, { height: 4, width: 4, hidden: 6, headWidth: 12, layers: 1 }));
      const x = randomImages(m.config, 4, 13);
      const loss = () => meanNll(m.logits(x), x, m.config.output);
      await expectNoLeak(async () => {
        const g = tf.variableGrads(loss);
        tf.dispose([g.value, ...Object.values(g.grads)]);
      });
      const opt = tf.train.adam(0.01);
      const first = tf.tidy(loss);
      const l0 = (await first.data())[0]!;
      first.dispose();
      let last = l0;
      for (let s = 0; s < 30; s++) {
        const l = opt.minimize(loss, true)!;
        last = (await l.data())[0]!;
        l.dispose();
      }
      expect(last).toBeLessThan(0.8 * l0);
      opt.dispose();
      x.dispose();
      m.dispose();
    }
  });
});
