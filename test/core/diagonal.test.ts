import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupNodeBackend } from '../../scripts/lib/nodeBackend';
import { DiagonalBiLSTM, DiagonalDirection, shiftDown } from '../../src/core/layers/diagonalLstm';
import { ParamStore } from '../../src/core/layers/params';
import { skew, unskew } from '../../src/core/layers/skew';

/** One direction's scan, column by column with its own `step`: the definition the joint scan must match. */
function scanAlone(dir: DiagonalDirection, isMap: tf.Tensor4D): tf.Tensor4D {
  const [b, rows, w] = isMap.shape;
  const cols = tf.unstack(skew(isMap), 2) as tf.Tensor3D[];
  let { h, c } = dir.initialState(b, rows);
  const out: tf.Tensor3D[] = [];
  for (const col of cols) {
    ({ h, c } = dir.step(col, h, c));
    out.push(h);
  }
  return unskew(tf.stack(out, 2) as tf.Tensor4D, w);
}

/** The two directions as two separate scans, mirrored and shifted down as in SPEC.md §3. */
function separate(layer: DiagonalBiLSTM, x: tf.Tensor4D): tf.Tensor4D {
  const left = scanAlone(layer.forward, layer.forward.inputToState(x));
  const mirrored = tf.reverse(layer.backward.inputToState(x), 2) as tf.Tensor4D;
  return tf.add(left, shiftDown(tf.reverse(scanAlone(layer.backward, mirrored), 2) as tf.Tensor4D));
}

// wasm as well: there the batched state-to-state products are split into plain ones (linearGroups, groupMatMul).
const backends = process.env.TFJS_BACKEND ? [process.env.TFJS_BACKEND] : ['cpu', 'wasm'];

describe.each(backends)('Diagonal BiLSTM on %s: both directions in one scan', (backend) => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (previous !== backend) await setupNodeBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it('equals the two directions scanned separately, values and gradients of every parameter and the input', async () => {
    expect(tf.getBackend()).toBe(backend);
    const store = new ParamStore(5);
    const layer = new DiagonalBiLSTM(store, { name: 'd', hidden: 4, groups: 3 });
    // Non-zero initial states and distinct directions, so a mixed-up direction or state would show.
    for (const v of store.vars.values()) v.assign(tf.randomNormal(v.shape, 0, 0.5, 'float32', v.size));
    const x = tf.randomNormal([2, 5, 4, 8], 0, 1, 'float32', 9) as tf.Tensor4D;
    const proj = tf.randomNormal([2, 5, 4, 4], 0, 1, 'float32', 10);
    const vars = [...store.vars.values()];
    const run = (f: (t: tf.Tensor4D) => tf.Tensor4D, vs: tf.Variable[] = vars) =>
      tf.tidy(() => {
        const y = f(x);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), proj)) as tf.Scalar, vs);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t as tf.Tensor4D), proj)))(x);
        return [y, dx, ...vs.map((v) => grads[v.name]!)];
      });
    const ref = run((t) => separate(layer, t));
    // The joint scan with its own backward pass (the default), and differentiated by tfjs (which needs tfjs's
    // conv2d filter gradient: wasm has none).
    for (const project of backend === 'wasm' ? [true] : [true, false]) {
      // The same layer and weights, built to compute along the path under test.
      const pathStore = new ParamStore(5, { project, ownScans: project, fusedLstm: true });
      const pathLayer = new DiagonalBiLSTM(pathStore, { name: 'd', hidden: 4, groups: 3 });
      for (const [name, v] of pathStore.vars) v.assign(store.get(name));
      const before = tf.memory().numTensors;
      const joint = run((t) => pathLayer.apply(t), [...pathStore.vars.values()]); // the same names in the same order
      expect(tf.memory().numTensors).toBe(before + joint.length);
      expect(joint.length).toBe(2 + vars.length);
      for (let i = 0; i < joint.length; i++) {
        const [a, b] = [await joint[i]!.data(), await ref[i]!.data()];
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(scale, `output ${i} is not trivially zero`).toBeGreaterThan(0);
        let worst = 0;
        for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!) / scale);
        expect(worst, `${project ? 'own backward' : 'autodiff'}: output ${i}`).toBeLessThan(1e-5);
      }
      tf.dispose(joint);
      pathStore.dispose();
    }
    tf.dispose([x, proj, ...ref]);
    store.dispose();
  });
});
