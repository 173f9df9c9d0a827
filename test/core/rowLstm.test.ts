import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setupNodeBackend } from '../../scripts/lib/nodeBackend';
import { ParamStore } from '../../src/core/layers/params';
import { RowLSTM } from '../../src/core/layers/rowLstm';

/** Output and the gradients of a random projection of it w.r.t. the input and every parameter, as arrays. */
async function outputAndGrads(project: boolean): Promise<{ names: string[]; values: Float32Array[]; leaked: number }> {
  {
    const store = new ParamStore(3, { project, ownScans: project, fusedLstm: true });
    const layer = new RowLSTM(store, { name: 'r', hidden: 4, groups: 3 });
    // Non-zero initial state and random weights everywhere, so a wrong row or tap would show.
    for (const v of store.vars.values()) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', v.size + 1));
    const x = tf.randomNormal([2, 5, 6, 8], 0, 1, 'float32', 9) as tf.Tensor4D;
    const proj = tf.randomNormal([2, 5, 6, 4], 0, 1, 'float32', 10);
    const vars = [...store.vars.values()];
    const names = ['output', 'd input', ...store.vars.keys()];
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const y = layer.apply(x);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x), proj)) as tf.Scalar, vars);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t as tf.Tensor4D), proj)))(x);
      return [y, dx, ...vars.map((v) => grads[v.name]!)];
    });
    const leaked = tf.memory().numTensors - before - out.length;
    const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose([x, proj, ...out]);
    store.dispose();
    return { names, values, leaked };
  }
}

describe('Row LSTM: the scan with its own backward pass', () => {
  it('equals tfjs autodiff of the row-by-row scan, values and every gradient, on cpu and wasm (or TFJS_BACKEND)', async () => {
    const previous = tf.getBackend();
    const reference = await outputAndGrads(false); // autodiff through every row step, tfjs's gradients
    const backends = process.env.TFJS_BACKEND ? [previous] : ['cpu', 'wasm'];
    try {
      for (const backend of backends) {
        if (tf.getBackend() !== backend) await setupNodeBackend(backend);
        const ours = await outputAndGrads(true);
        expect(ours.leaked, `${backend}: tensors left behind`).toBe(0);
        expect(ours.names).toEqual(reference.names);
        expect(ours.names).toContain('r/ss/w');
        for (let i = 0; i < ours.values.length; i++) {
          const [a, b] = [ours.values[i]!, reference.values[i]!];
          const scale = Math.max(...Array.from(b, Math.abs));
          expect(scale, `${ours.names[i]} is not trivially zero`).toBeGreaterThan(0);
          let worst = 0;
          for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / scale);
          expect(worst, `${backend}: ${ours.names[i]}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      if (tf.getBackend() !== previous) await tf.setBackend(previous);
    }
  });
});
