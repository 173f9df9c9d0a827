import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { convSame, linear, liveTapsOf } from '../../src/core/layers/convGrad';
import { channelGroups, convMask } from '../../src/core/masks';

async function maxRelErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i]! - y[i]!));
    den = Math.max(den, Math.abs(y[i]!));
  }
  return num / den;
}

describe("the project's convolution gradients equal tfjs's", () => {
  const cases: [number, number, number, number][] = [
    [7, 7, 3, 8],
    [3, 3, 6, 6],
    [1, 3, 4, 16],
    [3, 1, 2, 5],
  ];
  for (const [kh, kw, cin, cout] of cases)
    it(`${kh}×${kw}, ${cin} → ${cout} channels`, async () => {
      const x = tf.randomNormal([2, 6, 5, cin], 0, 1, 'float32', 1) as tf.Tensor4D;
      const k = tf.randomNormal([kh, kw, cin, cout], 0, 1, 'float32', 2) as tf.Tensor4D;
      const proj = tf.randomNormal([2, 6, 5, cout], 0, 1, 'float32', 3);
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(convSame(a as tf.Tensor4D, b as tf.Tensor4D), proj)))([x, k]);
      const theirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), proj)))([x, k]);
      expect(await maxRelErr(ours[0]!, theirs[0]!)).toBeLessThan(1e-4);
      expect(await maxRelErr(ours[1]!, theirs[1]!)).toBeLessThan(1e-4);
      const y1 = convSame(x, k);
      const y2 = tf.conv2d(x, k, 1, 'same');
      expect(await maxRelErr(y1, y2)).toBeLessThan(1e-5);
      tf.dispose([x, k, proj, ...ours, ...theirs, y1, y2]);
    });

  it('masked taps: the gradient of W ⊙ M equals tfjs’s and skipped taps stay zero', async () => {
    const m = convMask(7, 7, channelGroups(3, 3), channelGroups(6, 3), 'A');
    const live = liveTapsOf(m, 7, 7, 3, 6);
    expect(live.filter(Boolean).length).toBe(25); // 3 rows of 7 above, 3 to the left, the centre
    const mask = tf.tensor4d(m, [7, 7, 3, 6]);
    const x = tf.randomNormal([1, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([7, 7, 3, 6], 0, 1, 'float32', 5) as tf.Tensor4D;
    const ours = tf.grad((v: tf.Tensor) => tf.sum(tf.square(convSame(x, tf.mul(v, mask) as tf.Tensor4D, live))))(w);
    const theirs = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, tf.mul(v, mask) as tf.Tensor4D, 1, 'same'))))(w);
    expect(await maxRelErr(ours, theirs)).toBeLessThan(1e-4);
    tf.dispose([mask, x, w, ours, theirs]);
  });

  it('linear (1×1 layers) has the gradients of matMul', async () => {
    const x = tf.randomNormal([10, 7], 0, 1, 'float32', 6) as tf.Tensor2D;
    const w = tf.randomNormal([7, 5], 0, 1, 'float32', 7) as tf.Tensor2D;
    const proj = tf.randomNormal([10, 5], 0, 1, 'float32', 8);
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(linear(a as tf.Tensor2D, b as tf.Tensor2D), proj)))([x, w]);
    const theirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), proj)))([x, w]);
    expect(await maxRelErr(ours[0]!, theirs[0]!)).toBeLessThan(1e-5);
    expect(await maxRelErr(ours[1]!, theirs[1]!)).toBeLessThan(1e-5);
    tf.dispose([x, w, proj, ...ours, ...theirs]);
  });

  it('leaks no tensors', () => {
    const x = tf.randomNormal([1, 4, 4, 2]) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 2, 2]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(convSame(a as tf.Tensor4D, b as tf.Tensor4D)))([x, k]);
    tf.dispose(g);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, k]);
  });
});
