import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { noneClass, parameterCount, validateConfig, type ModelConfig } from '../../src/core/models/config';
import { classLabels, PixelModel } from '../../src/core/models/pixelModel';
import { preset, presets } from '../../src/core/models/presets';
import { expectNoLeak, randomImages, tinyConfig } from './helpers';

/**
 * The class-conditional Gated PixelCNN (config.classes = K): each image's class in [0, K) or K = none adds a
 * learned row of [K+1, 4h] tables to both stacks' gate pre-activations of every gated layer. The class
 * changes the logits, one image's class never reaches another image, causality holds for every class, sizes.
 */

const K = 3;
const classConfig = (channels: 1 | 3, over: Partial<ModelConfig> = {}) => tinyConfig('gated', channels, { classes: K, firstKernel: 5, ...over });

/** Random weights with some scale (the class tables too), so the classes differ clearly. */
function randomModel(cfg: ModelConfig, seed = 3): PixelModel {
  const m = new PixelModel(cfg);
  let n = 0;
  for (const v of m.params.list()) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.4, 'float32', seed + n++)));
  return m;
}

async function logitsOf(model: PixelModel, x: tf.Tensor4D, classes?: number | number[]): Promise<Float32Array> {
  const y = tf.tidy(() => model.logits(x, undefined, classes === undefined ? undefined : classLabels(model.config, x.shape[0], classes)));
  const v = (await y.data()) as Float32Array;
  y.dispose();
  return v;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('class-conditional Gated PixelCNN: the class', () => {
  for (const channels of [1, 3] as const)
    it(`changes the logits, per image, none by default (${channels === 1 ? 'binary' : 'RGB'})`, async () => {
      const cfg = classConfig(channels);
      const model = randomModel(cfg);
      const one = randomImages(cfg, 1, 5);
      const x = tf.tidy(() => tf.tile(one, [K + 1, 1, 1, 1]) as tf.Tensor4D); // the same image, given each class and none
      await expectNoLeak(async () => {
        const all = await logitsOf(model, x, [0, 1, 2, K]);
        const per = all.length / (K + 1);
        const rows = Array.from({ length: K + 1 }, (_, k) => all.subarray(k * per, (k + 1) * per));
        for (let a = 0; a <= K; a++) for (let b = a + 1; b <= K; b++) expect(maxDiff(rows[a]!, rows[b]!), `classes ${a} and ${b}`).toBeGreaterThan(1e-2);
        // image 1 alone, given class 1: the same logits (no class reaches another image)
        expect(maxDiff(await logitsOf(model, one, [1]), rows[1]!)).toBeLessThan(1e-4);
        // no class given = none; one number = that class for every image
        expect(maxDiff(await logitsOf(model, one), rows[K]!)).toBeLessThan(1e-4);
        const two = tf.tidy(() => tf.tile(one, [2, 1, 1, 1]) as tf.Tensor4D);
        const same = await logitsOf(model, two, 2);
        two.dispose();
        expect(maxDiff(same.subarray(0, per), rows[2]!)).toBeLessThan(1e-4);
        expect(maxDiff(same.subarray(per), rows[2]!)).toBeLessThan(1e-4);
      });
      tf.dispose([one, x]);
      model.dispose();
    });

  it('refuses a class out of range, a wrong count, and a class for a model without classes', () => {
    const cfg = classConfig(1);
    expect(() => classLabels(cfg, 2, [0, K + 1])).toThrow(/a class must be in \[0, 3\] \(3: none\), got 4/);
    expect(() => classLabels(cfg, 2, [0])).toThrow(/1 classes for 2 images/);
    expect(() => classLabels(cfg, 1, 1.5)).toThrow(/a class must be in/);
    expect(() => classLabels(tinyConfig('gated', 1), 1, 0)).toThrow(/takes no class/);
    const plain = new PixelModel(tinyConfig('gated', 1, { firstKernel: 3 }));
    const x = randomImages(plain.config, 1);
    const y = tf.tensor1d([0], 'int32');
    expect(() => plain.logits(x, undefined, y)).toThrow(/takes no class/);
    tf.dispose([x, y]);
    plain.dispose();
    expect(noneClass(cfg)).toBe(K);
  });

  it('only the Gated PixelCNN takes classes; K ≥ 2 and within the limit (the messages the PyTorch side gives)', () => {
    expect(() => validateConfig(tinyConfig('pixelcnn', 1, { classes: K }))).toThrow('Invalid model config: only the Gated PixelCNN takes a class, not arch "pixelcnn"');
    expect(() => validateConfig(tinyConfig('gated', 1, { classes: 1 }))).toThrow(/classes must be an integer ≥ 2, got 1/);
    expect(() => validateConfig(tinyConfig('gated', 1, { classes: 1001 }))).toThrow(/classes = 1001 is beyond this app's limit of 1000/);
  });

  it('parameterCount counts the two [K+1, 4h] tables per gated layer; the presets are the gated ones plus classes', () => {
    for (const cfg of [classConfig(1), classConfig(3, { layers: 0 }), preset('medium-mnist-gated-class'), preset('medium-emoji-gated-class')]) {
      const model = new PixelModel(cfg);
      expect(parameterCount(cfg)).toBe(model.params.count());
      const n = 2 * cfg.hidden;
      expect(model.params.get('in/v/class').shape).toEqual([cfg.classes! + 1, 2 * n]);
      expect(model.params.get('in/h/class').shape).toEqual([cfg.classes! + 1, 2 * n]);
      const plain = { ...cfg };
      delete plain.classes;
      expect(parameterCount(cfg) - parameterCount(plain)).toBe((cfg.layers + 1) * 2 * (cfg.classes! + 1) * 2 * n);
      model.dispose();
    }
    const { classes: _m, ...mnist } = presets['medium-mnist-gated-class'];
    expect(mnist).toEqual(presets['medium-mnist-gated']);
    const { classes: _e, ...emoji } = presets['medium-emoji-gated-class'];
    expect(emoji).toEqual(presets['medium-emoji-gated']);
    expect([presets['medium-mnist-gated-class'].classes, presets['medium-emoji-gated-class'].classes]).toEqual([10, 9]);
  });
});

/** Gradient of (a random projection of) the logits of sub-pixel (i, j, c) of image `b` w.r.t. the input batch. */
async function inputGradient(model: PixelModel, x: tf.Tensor4D, labels: tf.Tensor1D, i: number, j: number, c: number, b: number): Promise<Float32Array> {
  const Kc = model.config.output === 'binary' ? 1 : 256;
  const g = tf.tidy(() => {
    const proj = tf.randomNormal([Kc], 0, 1, 'float32', 11 + i * 31 + j * 7 + c);
    const f = (input: tf.Tensor) => {
      const l = model.logits(input as tf.Tensor4D, undefined, labels);
      const [, h, w] = l.shape;
      const sel = l.reshape([x.shape[0], h!, w!, -1]).slice([b, i, j, c * Kc], [1, 1, 1, Kc]).reshape([Kc]);
      return tf.sum(tf.mul(sel, proj));
    };
    return tf.grad(f)(x);
  });
  const values = (await g.data()) as Float32Array;
  g.dispose();
  return values;
}

describe('class-conditional Gated PixelCNN: causal for every class and none (gradients, batch of 2)', () => {
  for (const channels of [1, 3] as const)
    for (let cls = 0; cls <= K; cls++)
      it(`${channels === 1 ? 'binary' : 'RGB'}, class ${cls === K ? 'none' : cls}`, async () => {
        const cfg = classConfig(channels);
        const model = new PixelModel(cfg);
        const x = randomImages(cfg, 2, 5);
        const labels = tf.tensor1d([(cls + 1) % (K + 1), cls], 'int32'); // the other image has another class
        const { height: H, width: W, channels: C } = cfg;
        const n = H * W * C;
        const cells: [number, number][] = [[0, 0], [0, W - 1], [1, 0], [3, 2], [H - 1, W - 1]];
        await expectNoLeak(async () => {
          for (const [i, j] of cells)
            for (let c = 0; c < C; c++) {
              const g = await inputGradient(model, x, labels, i, j, c, 1);
              const p = (i * W + j) * C + c;
              const bad: number[] = [];
              for (let q = 0; q < n; q++) if (g[q] !== 0) bad.push(q); // nothing of the other image
              for (let q = p; q < n; q++) if (g[n + q] !== 0) bad.push(n + q); // nothing at or after p
              expect(bad, `class ${cls}: sub-pixel (${i},${j},${c}) depends on ${bad.slice(0, 5).join(',')}`).toEqual([]);
              const near: number[] = [];
              for (let ch = 0; ch < c; ch++) near.push((i * W + j) * C + ch);
              for (const [y, xx] of [[i, j - 1], [i - 1, j]] as const) if (y >= 0 && xx >= 0) for (let ch = 0; ch < C; ch++) near.push((y * W + xx) * C + ch);
              for (const q of near) expect(g[n + q], `class ${cls}: sub-pixel (${i},${j},${c}) should see ${q}`).not.toBe(0);
            }
        });
        tf.dispose([x, labels]);
        model.dispose();
      });
});
