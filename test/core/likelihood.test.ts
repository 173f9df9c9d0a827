import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bitsPerDim, nllPerImage } from '../../src/core/likelihood';

describe('likelihood', () => {
  it('uniform 256-way logits give exactly 8 bits/dim', async () => {
    const logits = tf.zeros([2, 4, 4, 3, 256]);
    const targets = tf.randomUniform([2, 4, 4, 3], 0, 256, 'int32', 1).toFloat() as tf.Tensor4D;
    const nll = await nllPerImage(logits, targets, 'softmax256').data();
    for (const n of nll) expect(bitsPerDim(n, 4 * 4 * 3)).toBeCloseTo(8, 5);
    tf.dispose([logits, targets]);
  });

  it('uniform binary logits on 28×28 give 784·ln 2 nats', async () => {
    const logits = tf.zeros([3, 28, 28, 1]);
    const targets = tf.randomUniform([3, 28, 28, 1], 0, 2, 'int32', 2).toFloat() as tf.Tensor4D;
    const nll = await nllPerImage(logits, targets, 'binary').data();
    for (const n of nll) expect(n).toBeCloseTo(784 * Math.LN2, 3);
    tf.dispose([logits, targets]);
  });

  it('matches −log softmax at the target by hand', async () => {
    const l = [2, 0, -1];
    const logits = tf.tensor([...l, ...new Array(253).fill(-30)], [1, 1, 1, 1, 256]);
    const nll = (await nllPerImage(logits, tf.tensor4d([[[[1]]]]), 'softmax256').data())[0]!;
    const lse = Math.log(Math.exp(2) + 1 + Math.exp(-1) + 253 * Math.exp(-30));
    expect(nll).toBeCloseTo(lse - 0, 5);
    logits.dispose();
  });

  it('stays finite for extreme logits', async () => {
    const big = tf.tensor([1e30, -1e30, 5e29], [1, 1, 1, 3, 1]).reshape([1, 1, 1, 3]);
    const nllBin = await nllPerImage(big, tf.tensor4d([[[[0, 1, 1]]]]), 'binary').data();
    expect(Number.isFinite(nllBin[0])).toBe(true);
    const soft = tf.concat([tf.fill([1, 1, 1, 1, 1], 1e30), tf.fill([1, 1, 1, 1, 255], -1e30)], -1);
    const nllSoft = await nllPerImage(soft, tf.tensor4d([[[[3]]]]), 'softmax256').data();
    expect(Number.isFinite(nllSoft[0])).toBe(true);
    expect(nllSoft[0]).toBeGreaterThan(1e29);
    tf.dispose([big, soft]);
  });
});
