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

describe.runIf(!process.env.TFJS_BACKEND)('fast wasm slice', () => {
  it('gives the slices of the cpu backend, contiguous or not, for every rank and dtype', async () => {
    const { setupNodeBackend } = await import('../../scripts/lib/nodeBackend');
    const previous = tf.getBackend();
    const cases: [number[], 'float32' | 'int32' | 'bool', number[], number[]][] = [
      [[3, 7, 9, 5], 'float32', [1, 2, 3, 1], [2, 4, 5, 3]],
      [[3, 7, 9, 5], 'float32', [2, 0, 0, 0], [1, 7, 9, 5]], // contiguous: one leading index
      [[63, 4, 5, 6], 'float32', [17, 0, 0, 0], [1, 4, 5, 6]],
      [[3, 5, 6], 'int32', [1, 0, 2], [2, 5, 3]],
      [[11], 'float32', [3], [5]],
      [[2, 3, 4, 5, 6], 'float32', [1, 1, 0, 2, 3], [1, 2, 4, 2, 3]],
      [[4, 6], 'bool', [1, 2], [3, 3]],
    ];
    const values = (shape: number[], dtype: string) =>
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 50 : Math.sin(i) * 1e3));
    const run = () =>
      cases.map(([shape, dtype, begin, size]) => {
        const t = tf.tidy(() => tf.slice(tf.tensor(values(shape, dtype) as number[], shape, dtype), begin, size));
        const v = Array.from(t.dataSync());
        t.dispose();
        return v;
      });
    await tf.setBackend('cpu');
    const expected = run();
    const unstacked = () => tf.tidy(() => tf.unstack(tf.tensor(values([5, 2, 3], 'float32') as number[], [5, 2, 3]))[3]!.arraySync());
    const unstackCpu = unstacked();
    await setupNodeBackend('wasm'); // installs the project's Slice on wasm
    try {
      expect(tf.getBackend()).toBe('wasm');
      const before = tf.memory().numTensors;
      expect(run()).toEqual(expected);
      expect(unstacked()).toEqual(unstackCpu);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => tf.slice(tf.zeros([2, 3]), [1, 1], [2, 2])).toThrow(/slice/i);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
