import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { shiftDown } from '../../src/core/layers/diagonalLstm';
import { skew, unskew } from '../../src/core/layers/skew';

describe('skew / unskew', () => {
  it('shifts row r right by r and round-trips', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const s = skew(x);
    expect(s.shape).toEqual([1, 3, 5, 1]);
    expect(Array.from(await s.data())).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0, 0, 7, 8, 9]);
    const u = unskew(s, 3);
    expect(Array.from(await u.data())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    tf.dispose([x, s, u]);
  });

  it('round-trips non-square batched maps with channels', async () => {
    const x = tf.randomNormal([2, 4, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const s = skew(x);
    expect(s.shape).toEqual([2, 4, 10, 3]);
    // each diagonal becomes a column: pixel (r, j) lands at skewed column j + r
    const xs = await x.array();
    const ss = await s.array();
    for (let r = 0; r < 4; r++) for (let j = 0; j < 7; j++) expect(ss[1]![r]![j + r]).toEqual(xs[1]![r]![j]);
    const u = unskew(s, 7);
    expect(Array.from(await u.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, s, u]);
  });

  it('shiftDown moves rows down by one with zeros on top', async () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = shiftDown(x);
    expect(Array.from(await y.data())).toEqual([0, 0, 1, 2]);
    tf.dispose([x, y]);
  });
});
