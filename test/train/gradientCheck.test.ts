import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gradientPath } from '../../src/core/layers/convGrad';
import { checkGradients } from '../../src/core/train/gradientCheck';

// tfjs's own path needs Conv2DBackpropFilter, which wasm lacks: this runs on cpu (and TFJS_BACKEND=webgpu).
describe.runIf(tf.getBackend() !== 'wasm')("the project's training gradients equal tfjs's", () => {
  for (const arch of ['pixelcnn', 'rowlstm', 'diagonal'] as const)
    it(`${arch}: loss and every parameter's gradient, without leaks`, async () => {
      const before = tf.memory().numTensors;
      const check = await checkGradients(arch);
      expect(tf.memory().numTensors).toBe(before);
      expect(check.params).toBeGreaterThan(100);
      expect(check.maxRelErr).toBeLessThan(1e-4);
      expect(gradientPath.project).toBe(true); // restored
    });
});
