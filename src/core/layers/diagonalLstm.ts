import * as tf from '@tensorflow/tfjs';
import { channelGroups, gateGroups } from '../masks';
import type { ComputePath } from './computePath';
import { groupMatMul, linear, linearGroups } from './convGrad';
import { forgetBiasInit, lstmBackwardScan, lstmCell } from './lstm';
import { MaskedConv } from './maskedConv';
import type { ParamStore } from './params';
import type { RecurrentLayerSpec } from './rowLstm';
import { skew, unskew } from './skew';

/**
 * One direction of the Diagonal BiLSTM (SPEC.md §3): a 1×1 mask-B input-to-state convolution, then a scan
 * over the columns of the skewed map, left to right. The state-to-state kernel is 2×1 over the previous
 * column: the cell in the same row (the pixel to the left in image space) and the cell one row up (the
 * pixel above). It is computed as one matrix product of [h_same, h_up] with a [2h, 4h] weight. `step` is
 * one column; DiagonalBiLSTM.apply scans both directions at once.
 */
export class DiagonalDirection {
  readonly is: MaskedConv;
  readonly ss: tf.Variable; // [2h, 4h]: rows 0..h−1 act on the same-row cell, h..2h−1 on the cell above
  readonly cond: MaskedConv | null;
  readonly h0: tf.Variable; // [h], state of column −1
  readonly c0: tf.Variable;
  private readonly path: ComputePath;

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
    const { name, hidden: h, groups } = spec;
    this.path = store.path;
    this.is = new MaskedConv(store, {
      name: `${name}/is`,
      kh: 1,
      kw: 1,
      inGroups: channelGroups(2 * h, groups),
      outGroups: gateGroups(h, 4, groups),
      mask: 'B',
      biasInit: forgetBiasInit(h),
    });
    this.ss = store.glorot(`${name}/ss/w`, [2 * h, 4 * h], 2 * h, 4 * h);
    this.h0 = store.fill(`${name}/h0`, [h], 0);
    this.c0 = store.fill(`${name}/c0`, [h], 0);
    this.cond = spec.condChannels
      ? new MaskedConv(store, { name: `${name}/cond`, kh: 1, kw: 1, inGroups: new Int32Array(spec.condChannels), outGroups: new Int32Array(4 * h), mask: 'none', bias: false })
      : null;
  }

  inputToState(x: tf.Tensor4D, condMap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const s = this.is.apply(x); // [B,H,W,4h]
      return this.cond && condMap ? tf.add(s, this.cond.apply(condMap)) : s;
    });
  }

  /** One column step in skewed space: gates [B,H,4h] from the input column and the previous column's state. */
  step(isCol: tf.Tensor3D, hPrev: tf.Tensor3D, cPrev: tf.Tensor3D): { h: tf.Tensor3D; c: tf.Tensor3D } {
    return tf.tidy(() => {
      const [b, rows, h] = hPrev.shape;
      const up = tf.pad(hPrev, [[0, 0], [1, 0], [0, 0]]).slice([0, 0, 0], [b, rows, h]); // row r gets row r−1's state
      const ss = linear(tf.concat([hPrev, up], 2).reshape([b * rows, 2 * h]) as tf.Tensor2D, this.ss as tf.Tensor2D, this.path).reshape([b, rows, 4 * h]);
      return lstmCell(tf.add(isCol, ss), cPrev, this.path.fusedLstm) as { h: tf.Tensor3D; c: tf.Tensor3D };
    });
  }

  initialState(batch: number, rows: number): { h: tf.Tensor3D; c: tf.Tensor3D } {
    const h = this.spec.hidden;
    return tf.tidy(() => ({
      h: tf.broadcastTo(this.h0.reshape([1, 1, h]), [batch, rows, h]) as tf.Tensor3D,
      c: tf.broadcastTo(this.c0.reshape([1, 1, h]), [batch, rows, h]) as tf.Tensor3D,
    }));
  }
}

/**
 * Diagonal BiLSTM: the left-to-right direction, plus a second direction that scans the image mirrored
 * left–right. The second direction at row r has seen pixels to the right of (r, j) in row r, so its output
 * is shifted down one row before the two are added: output row r gets the mirrored state of row r−1.
 * Together they see the entire available context (SPEC.md §3).
 *
 * The two directions are independent scans of equal shape, so they run as one: their skewed maps are
 * stacked along the batch axis and each column step is one batched product [2, B·H, 2h]·[2, 2h, 4h] with
 * both state-to-state kernels, one LSTM cell and one of each bookkeeping op, instead of two of everything
 * (issue "Training speed on WebGPU": fewer, larger dispatches). Each direction computes exactly what its own
 * scan of `step` over the columns would compute (tested).
 */
export class DiagonalBiLSTM {
  readonly forward: DiagonalDirection;
  readonly backward: DiagonalDirection;
  private readonly path: ComputePath;

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
    this.path = store.path;
    this.forward = new DiagonalDirection(store, { ...spec, name: `${spec.name}/fw` });
    this.backward = new DiagonalDirection(store, { ...spec, name: `${spec.name}/bw` });
  }

  /** [B,H,W,2h] → [B,H,W,h]. */
  apply(x: tf.Tensor4D, condMap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, rows, w] = x.shape;
      const h = this.spec.hidden;
      const fwIs = this.forward.inputToState(x, condMap);
      const bwIs = tf.reverse(this.backward.inputToState(x, condMap), 2) as tf.Tensor4D; // mirrored left–right
      // Columns of both skewed maps, [2B,H,4h] each: batch rows 0..B−1 forward, B..2B−1 backward.
      const cols = tf.transpose(skew(tf.concat([fwIs, bwIs], 0)), [2, 0, 1, 3]) as tf.Tensor4D; // [L,2B,H,4h]
      const ss = tf.stack([this.forward.ss, this.backward.ss]) as tf.Tensor3D; // [2, 2h, 4h]
      const init = [this.forward.initialState(b, rows), this.backward.initialState(b, rows)];
      const h0 = tf.concat([init[0]!.h, init[1]!.h], 0) as tf.Tensor3D;
      const c0 = tf.concat([init[0]!.c, init[1]!.c], 0) as tf.Tensor3D;
      const p = this.path;
      const states = p.project && p.ownScans ? jointScan(cols, ss, h0, c0, p.fusedLstm) : autodiffScan(cols, ss, h0, c0, p); // [L,2B,H,h]
      const both = unskew(tf.transpose(states, [1, 2, 0, 3]) as tf.Tensor4D, w); // [L,2B,H,h] → [2B,H,W,h]
      const left = both.slice([0, 0, 0, 0], [b, rows, w, h]) as tf.Tensor4D;
      const right = tf.reverse(both.slice([b, 0, 0, 0], [b, rows, w, h]), 2) as tf.Tensor4D;
      return tf.add(left, shiftDown(right));
    });
  }
}

/** [2B,H,C] → the same with row r holding row r−1 (zeros in row 0): the "cell above" of the skewed scan. */
function rowAbove(x: tf.Tensor3D): tf.Tensor3D {
  const [n, rows, c] = x.shape;
  return tf.pad(x, [[0, 0], [1, 0], [0, 0]]).slice([0, 0, 0], [n, rows, c]);
}

/** [2B,H,h] states → [2, B·H, 2h]: per direction, each cell's [h_same, h_up], the state-to-state input. */
function stateInput(hs: tf.Tensor3D): tf.Tensor3D {
  const [n, rows, h] = hs.shape;
  return tf.concat([hs, rowAbove(hs)], 2).reshape([2, (n / 2) * rows, 2 * h]);
}

/** The joint scan differentiated by tfjs: cols [L,2B,H,4h], ss [2,2h,4h], initial states [2B,H,h] → [L,2B,H,h]. */
function autodiffScan(cols: tf.Tensor4D, ss: tf.Tensor3D, h0: tf.Tensor3D, c0: tf.Tensor3D, path: ComputePath): tf.Tensor4D {
  const [, n, rows, g4] = cols.shape;
  let hs = h0;
  let cs = c0;
  const out: tf.Tensor3D[] = [];
  for (const col of tf.unstack(cols) as tf.Tensor3D[]) {
    const gates = tf.add(col, linearGroups(stateInput(hs), ss, path).reshape([n, rows, g4]));
    ({ h: hs, c: cs } = lstmCell(gates, cs, path.fusedLstm) as { h: tf.Tensor3D; c: tf.Tensor3D });
    out.push(hs);
  }
  return tf.stack(out) as tf.Tensor4D;
}

/**
 * The joint scan with a backward pass of its own (as RowLSTM.scan): per column only the cell's gradient,
 * one batched product carrying it back to [h_same, h_up], and the shift of the "up" half to the row above;
 * the state-to-state kernels' gradient is one batched product over all columns at the end. Equal to
 * autodiffScan (tested).
 */
function jointScan(cols: tf.Tensor4D, ss: tf.Tensor3D, h0: tf.Tensor3D, c0: tf.Tensor3D, fused: boolean): tf.Tensor4D {
  const f = tf.customGrad(((colsT: tf.Tensor, ssT: tf.Tensor, h0T: tf.Tensor, c0T: tf.Tensor, save: tf.GradSaveFunc) => {
    const [len, n, rows, g4] = colsT.shape as [number, number, number, number];
    const h = g4 / 4;
    const k = ssT as tf.Tensor3D;
    let hs = h0T as tf.Tensor3D;
    let cs = c0T as tf.Tensor3D;
    const inputs: tf.Tensor3D[] = [];
    const gates: tf.Tensor3D[] = [];
    const hOut: tf.Tensor3D[] = [];
    const cOut: tf.Tensor3D[] = [];
    for (const col of tf.unstack(colsT) as tf.Tensor3D[]) {
      const input = stateInput(hs);
      const g = tf.add(col, groupMatMul(input, k, false, false).reshape([n, rows, g4])) as tf.Tensor3D;
      const next = lstmCell(g, cs, fused);
      [hs, cs] = [next.h as tf.Tensor3D, next.c as tf.Tensor3D];
      inputs.push(input);
      gates.push(g);
      hOut.push(hs);
      cOut.push(cs);
    }
    save([k, c0T, ...inputs, ...gates, ...cOut]);
    return {
      value: tf.stack(hOut),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [kv, c0v] = saved as tf.Tensor3D[];
        const input = saved.slice(2, 2 + len) as tf.Tensor3D[];
        const g = saved.slice(2 + len, 2 + 2 * len) as tf.Tensor3D[];
        const c = saved.slice(2 + 2 * len) as tf.Tensor3D[];
        // d[h_same, h_up] = dGates · Kᵀ; h_up of row r is h of row r−1, so its gradient moves up a row.
        const toPrevH = (dg: tf.Tensor) => {
          const dIn = groupMatMul(dg.reshape([2, (n / 2) * rows, g4]) as tf.Tensor3D, kv!, false, true).reshape([n, rows, 2 * h]);
          const dUp = dIn.slice([0, 1, h], [n, rows - 1, h]);
          return tf.add(dIn.slice([0, 0, 0], [n, rows, h]), tf.pad(dUp, [[0, 0], [0, 1], [0, 0]]));
        };
        const { dGates, dh0, dc0 } = lstmBackwardScan(tf.unstack(dy as tf.Tensor), g, c, c0v!, toPrevH, fused);
        // dK = Σ over columns of inputᵀ · dGates, per direction: one product over all columns.
        const perDirection = (ts: tf.Tensor3D[], width: number) =>
          tf.transpose(tf.stack(ts).reshape([len, 2, (n / 2) * rows, width]), [1, 0, 2, 3]).reshape([2, len * (n / 2) * rows, width]) as tf.Tensor3D;
        const dK = groupMatMul(perDirection(input, 2 * h), perDirection(dGates as tf.Tensor3D[], g4), true, false);
        return [tf.stack(dGates), dK, dh0, dc0];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(cols, ss, h0, c0) as tf.Tensor4D;
}

/** Shift a map down by one row, zeros in row 0: [B,H,W,C] → [B,H,W,C]. */
export function shiftDown(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]]).slice([0, 0, 0, 0], [b, h, w, c]);
  });
}
