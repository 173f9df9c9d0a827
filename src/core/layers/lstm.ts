import * as tf from '@tensorflow/tfjs';
import { fusedLstmCell, hasFusedLstm, LSTM_CELL_GRAD, registerLstmKernels } from './lstmKernels';

registerLstmKernels();

/**
 * The LSTM core shared by both recurrent layers (SPEC.md §3):
 *   [o, f, i, g] = σ(K_ss ⊛ h_{i−1} + K_is ⊛ x_i),  σ = sigmoid for o, f, i and tanh for g
 *   c_i = f ⊙ c_{i−1} + i ⊙ g,   h_i = o ⊙ tanh(c_i)
 * `gates` is the sum of both convolutions, [..., 4h] in the order o, f, i, g.
 * On WebGPU this is one fused kernel with its own gradient (lstmKernels.ts); elsewhere, and when `fused`
 * (a model's ComputePath.fusedLstm) is false, the composite of tfjs ops below.
 */
export function lstmCell(gates: tf.Tensor, cPrev: tf.Tensor, fused = true): { h: tf.Tensor; c: tf.Tensor } {
  if (hasFusedLstm(fused)) {
    const [h, c] = fusedLstmCell(gates, cPrev);
    return { h, c };
  }
  return tf.tidy(() => {
    const [o, f, i, g] = tf.split(gates, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const c = tf.add(tf.mul(tf.sigmoid(f), cPrev), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    return { h, c };
  });
}

/**
 * The cell's backward pass, for the scans with backward passes of their own (RowLSTM.scan, jointScan): from the gradients
 * reaching h and c, the gradients of the gates and of cPrev. The fused kernel on WebGPU, tfjs ops elsewhere.
 *   dc_total = dc + dh ⊙ σ(o) ⊙ (1 − tanh²c);  d o = dh ⊙ tanh c ⊙ σ'(o);  d f = dc_total ⊙ cPrev ⊙ σ'(f);
 *   d i = dc_total ⊙ tanh g ⊙ σ'(i);  d g = dc_total ⊙ σ(i) ⊙ (1 − tanh²g);  dcPrev = dc_total ⊙ σ(f)
 */
export function lstmCellGrad(gates: tf.Tensor, cPrev: tf.Tensor, c: tf.Tensor, dh: tf.Tensor, dc: tf.Tensor, fused = true): { dGates: tf.Tensor; dcPrev: tf.Tensor } {
  if (hasFusedLstm(fused)) {
    const [dGates, dcPrev] = tf.engine().runKernel(LSTM_CELL_GRAD, { gates, cPrev, c, dh, dc }, {}) as unknown as [tf.Tensor, tf.Tensor];
    return { dGates, dcPrev };
  }
  return tf.tidy(() => {
    const [o, f, i, g] = tf.split(gates, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const [so, sf, si, tg, tc] = [tf.sigmoid(o), tf.sigmoid(f), tf.sigmoid(i), tf.tanh(g), tf.tanh(c)];
    const dsig = (s: tf.Tensor) => tf.mul(s, tf.sub(1, s));
    const dtanh = (t: tf.Tensor) => tf.sub(1, tf.square(t));
    const dcTotal = tf.add(dc, tf.mul(tf.mul(dh, so), dtanh(tc)));
    const dGates = tf.concat(
      [tf.mul(tf.mul(dh, tc), dsig(so)), tf.mul(tf.mul(dcTotal, cPrev), dsig(sf)), tf.mul(tf.mul(dcTotal, tg), dsig(si)), tf.mul(tf.mul(dcTotal, si), dtanh(tg))],
      -1,
    );
    return { dGates, dcPrev: tf.mul(dcTotal, sf) };
  });
}

/**
 * The backward scan shared by the recurrent layers' own backward passes (RowLSTM.scan, the Diagonal BiLSTM's
 * jointScan). Step t (a row or a skewed column) has output gradient dys[t], saved gates[t] and cell state
 * cs[t]; c0 is the state before step 0. Walking back from the last step, the gradient reaching h_t is
 * dys[t] plus what step t+1 carried back through `toPrevH` (the transpose of the state-to-state map), and
 * the cell's gradient gives the gates' gradient and dc_{t−1}. Returns every step's gate gradient and the
 * gradients of the initial h and c.
 */
export function lstmBackwardScan(
  dys: tf.Tensor[],
  gates: tf.Tensor[],
  cs: tf.Tensor[],
  c0: tf.Tensor,
  toPrevH: (dGates: tf.Tensor) => tf.Tensor,
  fused = true,
): { dGates: tf.Tensor[]; dh0: tf.Tensor; dc0: tf.Tensor } {
  const dGates: tf.Tensor[] = new Array(dys.length);
  let dhCarry: tf.Tensor | null = null; // gradient reaching step t's h from step t+1
  let dc: tf.Tensor = tf.zerosLike(c0);
  for (let t = dys.length - 1; t >= 0; t--) {
    const dh: tf.Tensor = dhCarry ? tf.add(dys[t]!, dhCarry) : dys[t]!;
    const back = lstmCellGrad(gates[t]!, t > 0 ? cs[t - 1]! : c0, cs[t]!, dh, dc, fused);
    dGates[t] = back.dGates;
    dc = back.dcPrev;
    dhCarry = toPrevH(back.dGates);
  }
  return { dGates, dh0: dhCarry ?? tf.zerosLike(c0), dc0: dc };
}

/** Bias of an input-to-state convolution: zero except +1 on the forget gate, the usual LSTM start. */
export function forgetBiasInit(hidden: number): Float32Array {
  const b = new Float32Array(4 * hidden);
  b.fill(1, hidden, 2 * hidden);
  return b;
}

export interface LstmCellCheck {
  /** Whether the current backend ran the fused kernel (false: both sides are the composite). */
  fused: boolean;
  /** Largest |fused − composite| / max |composite| of h, c and the gradients w.r.t. gates and cPrev. */
  h: number;
  c: number;
  dGates: number;
  dcPrev: number;
}

/**
 * The fused cell against the composite of tfjs ops on random inputs (gates up to ±~30, so the sigmoids and
 * tanh saturate), values and gradients, on the current backend. Used by the unit tests and by the browser
 * benchmark page, which checks the WebGPU kernels in a real browser.
 */
export async function checkLstmCell(rows = 10, hidden = 6, seed = 1): Promise<LstmCellCheck> {
  const gates = tf.tidy(() => tf.mul(tf.randomNormal([rows, 4 * hidden], 0, 1, 'float32', seed), tf.linspace(0.5, 12, 4 * hidden)));
  const cPrev = tf.randomNormal([rows, hidden], 0, 2, 'float32', seed + 1);
  const ph = tf.randomNormal([rows, hidden], 0, 1, 'float32', seed + 2);
  const pc = tf.randomNormal([rows, hidden], 0, 1, 'float32', seed + 3);
  const run = (fused: boolean) =>
    tf.tidy(() => {
      const { h, c } = lstmCell(gates, cPrev, fused);
      const loss = (g: tf.Tensor, cp: tf.Tensor) => {
        const out = lstmCell(g, cp, fused);
        return tf.add(tf.sum(tf.mul(out.h, ph)), tf.sum(tf.mul(out.c, pc)));
      };
      return [h, c, ...tf.grads(loss)([gates, cPrev])];
    });
  const fused = hasFusedLstm();
  const a = run(true);
  const b = run(false);
  const errs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = await Promise.all([a[i]!.data(), b[i]!.data()]);
    let num = 0;
    let den = 0;
    for (let k = 0; k < x.length; k++) {
      // NaN anywhere makes the error NaN, which fails any `< tolerance` check.
      num = Math.max(num, Number.isFinite(x[k]!) ? Math.abs(x[k]! - y[k]!) : NaN);
      den = Math.max(den, Math.abs(y[k]!));
    }
    errs.push(num / den);
  }
  tf.dispose([gates, cPrev, ph, pc, ...a, ...b]);
  return { fused, h: errs[0]!, c: errs[1]!, dGates: errs[2]!, dcPrev: errs[3]! };
}
