import * as tf from '@tensorflow/tfjs';
import { channelGroups, gateGroups } from '../masks';
import { linear, linearGroups } from './convGrad';
import { forgetBiasInit, lstmCell } from './lstm';
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

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
    const { name, hidden: h, groups } = spec;
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
      const ss = linear(tf.concat([hPrev, up], 2).reshape([b * rows, 2 * h]) as tf.Tensor2D, this.ss as tf.Tensor2D).reshape([b, rows, 4 * h]);
      return lstmCell(tf.add(isCol, ss), cPrev) as { h: tf.Tensor3D; c: tf.Tensor3D };
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

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
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
      const cols = tf.unstack(tf.transpose(skew(tf.concat([fwIs, bwIs], 0)), [2, 0, 1, 3])) as tf.Tensor3D[];
      const ss = tf.stack([this.forward.ss, this.backward.ss]) as tf.Tensor3D; // [2, 2h, 4h]
      const init = [this.forward.initialState(b, rows), this.backward.initialState(b, rows)];
      let hs = tf.concat([init[0]!.h, init[1]!.h], 0) as tf.Tensor3D;
      let cs = tf.concat([init[0]!.c, init[1]!.c], 0) as tf.Tensor3D;
      const out: tf.Tensor3D[] = [];
      for (const col of cols) {
        const up = tf.pad(hs, [[0, 0], [1, 0], [0, 0]]).slice([0, 0, 0], [2 * b, rows, h]); // row r gets row r−1's state
        const prev = tf.concat([hs, up], 2).reshape([2, b * rows, 2 * h]) as tf.Tensor3D;
        const gates = tf.add(col, linearGroups(prev, ss).reshape([2 * b, rows, 4 * h]));
        ({ h: hs, c: cs } = lstmCell(gates, cs) as { h: tf.Tensor3D; c: tf.Tensor3D });
        out.push(hs);
      }
      const both = unskew(tf.transpose(tf.stack(out), [1, 2, 0, 3]) as tf.Tensor4D, w); // [L,2B,H,h] → [2B,H,W,h]
      const left = both.slice([0, 0, 0, 0], [b, rows, w, h]) as tf.Tensor4D;
      const right = tf.reverse(both.slice([b, 0, 0, 0], [b, rows, w, h]), 2) as tf.Tensor4D;
      return tf.add(left, shiftDown(right));
    });
  }
}

/** Shift a map down by one row, zeros in row 0: [B,H,W,C] → [B,H,W,C]. */
export function shiftDown(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]]).slice([0, 0, 0, 0], [b, h, w, c]);
  });
}
