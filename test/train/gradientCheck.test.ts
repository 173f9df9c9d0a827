import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
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
    });
});

describe.runIf(tf.getBackend() !== 'wasm')('the compute path is an option of each model, not a process-wide switch', () => {
  it("two models side by side: tfjs's path runs Conv2DBackpropFilter, the project's never does", async () => {
    const { createModel } = await import('../../src/core/models/pixelModel');
    const { preset } = await import('../../src/core/models/presets');
    const { meanNll } = await import('../../src/core/likelihood');
    const config = preset('small-mnist-pixelcnn', { height: 6, width: 6, layers: 1, hidden: 4, headWidth: 8, firstKernel: 3 });
    const project = createModel(config);
    const tfjs = createModel(config, { path: { project: false, ownScans: false, fusedLstm: false } });
    const x = tf.tidy(() => tf.randomUniform([2, 6, 6, 1], 0, 2, 'int32', 3).toFloat() as tf.Tensor4D);
    const kernels = async (m: typeof project) => {
      const prof = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => meanNll(m.logits(x), x, config.output) as tf.Scalar, m.params.list());
        tf.dispose([value, ...Object.values(grads)]);
      });
      return new Set(prof.kernels.map((k) => k.name));
    };
    // Interleaved, so that a global switch flipped by either model would show in the other.
    const a = await kernels(tfjs);
    const b = await kernels(project);
    expect(a.has('Conv2DBackpropFilter')).toBe(true);
    expect(b.has('Conv2DBackpropFilter')).toBe(false);
    expect((await kernels(tfjs)).has('Conv2DBackpropFilter')).toBe(true);
    tf.dispose(x);
    project.dispose();
    tfjs.dispose();
  });
});
