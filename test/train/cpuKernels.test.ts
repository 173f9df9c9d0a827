import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { installFastCpuConvKernels } from '../../src/core/train/cpuKernels';

describe.runIf(tf.getBackend() === 'cpu')('fast cpu kernels', () => {
  it('give bit-identical slices and conv2d filter gradients', async () => {
    const x = tf.randomUniform([3, 7, 9, 5], -1, 1, 'float32', 1);
    const xi = tf.randomUniform([3, 5, 6], 0, 100, 'int32', 2);
    const dy = tf.randomUniform([3, 7, 9, 4], -1, 1, 'float32', 3);
    const slices: [tf.Tensor, number[], number[]][] = [
      [x, [1, 2, 3, 1], [2, 4, 5, 3]],
      [x, [0, 0, 0, 2], [-1, -1, -1, 2]],
      [xi, [1, 0, 2], [2, 5, 3]],
      [x, [2, 0, 0, 0], [1, 7, 9, 5]],
    ];
    const filterGrad = (k: number, pad: 'same' | 'valid', stride: number) =>
      tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)))(tf.zeros([k, k, 5, 4]));
    const convs = () => [filterGrad(3, 'same', 1), filterGrad(5, 'same', 1), filterGrad(3, 'valid', 2), tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), dy)))(tf.zeros([7, 7, 5, 4]))];
    const before = await Promise.all([...slices.map(([t, b, s]) => tf.slice(t, b, s)), ...convs()].map((t) => t.data()));
    installFastCpuConvKernels();
    const after = await Promise.all([...slices.map(([t, b, s]) => tf.slice(t, b, s)), ...convs()].map((t) => t.data()));
    for (let i = 0; i < before.length; i++) expect(Array.from(after[i]!)).toEqual(Array.from(before[i]!));
  });
});
