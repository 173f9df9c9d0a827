import * as tf from '@tensorflow/tfjs';
import { channelGroups, gateGroups } from '../masks';
import type { ComputePath } from './computePath';
import { convSame, matMulT } from './convGrad';
import { forgetBiasInit, lstmBackwardScan, lstmCell } from './lstm';
import { MaskedConv } from './maskedConv';
import type { ParamStore } from './params';

export interface RecurrentLayerSpec {
  name: string;
  /** h: state size (per gate). The layer reads 2h features and returns h. */
  hidden: number;
  /** Colour groups: 3 for RGB, 1 for one-channel images. */
  groups: number;
  /** Channels of the conditioning map, for the conditional network of a Multi-Scale PixelRNN. */
  condChannels?: number;
}

/**
 * Row LSTM (SPEC.md §3). The input-to-state map of the whole image is one 1×3 mask-B convolution along the
 * rows; then one step per row computes row i from the hidden state of row i−1 with an unmasked 1×3
 * state-to-state convolution. The initial state (row −1) is learned.
 */
export class RowLSTM {
  readonly is: MaskedConv;
  readonly ss: tf.Variable; // [1, 3, h, 4h], unmasked
  readonly cond: MaskedConv | null;
  readonly h0: tf.Variable; // [h]
  readonly c0: tf.Variable; // [h]
  private readonly path: ComputePath;

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
    const { name, hidden: h, groups } = spec;
    this.path = store.path;
    this.is = new MaskedConv(store, {
      name: `${name}/is`,
      kh: 1,
      kw: 3,
      inGroups: channelGroups(2 * h, groups),
      outGroups: gateGroups(h, 4, groups),
      mask: 'B',
      biasInit: forgetBiasInit(h),
    });
    this.ss = store.glorot(`${name}/ss/w`, [1, 3, h, 4 * h], 3 * h, 4 * h);
    this.h0 = store.fill(`${name}/h0`, [h], 0);
    this.c0 = store.fill(`${name}/c0`, [h], 0);
    this.cond = spec.condChannels
      ? new MaskedConv(store, { name: `${name}/cond`, kh: 1, kw: 1, inGroups: new Int32Array(spec.condChannels), outGroups: new Int32Array(4 * h), mask: 'none', bias: false })
      : null;
  }

  /** Input-to-state map of the whole image: [B,H,W,2h] → [B,H,W,4h] (plus the conditioning term). */
  inputToState(x: tf.Tensor4D, condMap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const s = this.is.apply(x);
      return this.cond && condMap ? tf.add(s, this.cond.apply(condMap)) : s;
    });
  }

  /** One row step: gates of row i from its input-to-state slice and the previous row's state. */
  step(isRow: tf.Tensor4D, hPrev: tf.Tensor4D, cPrev: tf.Tensor4D): { h: tf.Tensor4D; c: tf.Tensor4D } {
    return tf.tidy(() => {
      const gates = tf.add(isRow, convSame(hPrev, this.ss as tf.Tensor4D, undefined, this.path)); // [B,1,W,h] ⊛ [1,3,h,4h] → [B,1,W,4h]
      return lstmCell(gates, cPrev, this.path.fusedLstm) as { h: tf.Tensor4D; c: tf.Tensor4D };
    });
  }

  /** Initial state broadcast to a row: [B,1,W,h] each. */
  initialState(batch: number, width: number): { h: tf.Tensor4D; c: tf.Tensor4D } {
    const h = this.spec.hidden;
    return tf.tidy(() => ({
      h: tf.broadcastTo(this.h0.reshape([1, 1, 1, h]), [batch, 1, width, h]) as tf.Tensor4D,
      c: tf.broadcastTo(this.c0.reshape([1, 1, 1, h]), [batch, 1, width, h]) as tf.Tensor4D,
    }));
  }

  /** [B,H,W,2h] → [B,H,W,h]. */
  apply(x: tf.Tensor4D, condMap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const isMap = this.inputToState(x, condMap);
      if (this.path.project && this.path.ownScans) return this.scan(isMap);
      const [b, , w] = x.shape;
      // Rows first, so each row is one contiguous slice (unstacking an inner axis costs several times more).
      const rows = tf.unstack(tf.transpose(isMap, [1, 0, 2, 3])).map((r) => r.expandDims(1) as tf.Tensor4D); // H × [B,1,W,4h]
      let { h, c } = this.initialState(b, w);
      const out: tf.Tensor4D[] = [];
      for (const row of rows) {
        ({ h, c } = this.step(row, h, c));
        out.push(h);
      }
      return tf.concat(out, 1); // [B,H,W,h]
    });
  }

  /**
   * The row scan with a backward pass of its own (issue "Training speed on WebGPU": fewer dispatches).
   * Differentiated by tfjs, every row adds a dozen small kernels to the backward pass, among them three
   * filter-gradient products for the state-to-state kernel. Here the backward scan does per row only what
   * the recurrence needs (the cell's gradient and one convolution carrying it to the row above), and the
   * state-to-state kernel's gradient is computed once for all rows: three products over B·H·W positions.
   * Equal to the autodiff scan (tested); a model with `path.ownScans` false uses that one.
   */
  private scan(isMap: tf.Tensor4D): tf.Tensor4D {
    const { h0, c0 } = this;
    const fused = this.path.fusedLstm;
    const f = tf.customGrad(((isT: tf.Tensor, ssT: tf.Tensor, h0T: tf.Tensor, c0T: tf.Tensor, save: tf.GradSaveFunc) => {
      const is = isT as tf.Tensor4D;
      const ss = ssT as tf.Tensor4D;
      const [b, rows, w, g4] = is.shape;
      const h = g4 / 4;
      const hInit = tf.broadcastTo(h0T.reshape([1, 1, 1, h]), [b, 1, w, h]) as tf.Tensor4D;
      const cInit = tf.broadcastTo(c0T.reshape([1, 1, 1, h]), [b, 1, w, h]) as tf.Tensor4D;
      const isRows = tf.unstack(tf.transpose(is, [1, 0, 2, 3])).map((r) => r.expandDims(1) as tf.Tensor4D); // H × [B,1,W,4h]
      const gates: tf.Tensor4D[] = [];
      const hs: tf.Tensor4D[] = [];
      const cs: tf.Tensor4D[] = [];
      let hPrev = hInit;
      let cPrev = cInit;
      for (const row of isRows) {
        const g = tf.add(row, tf.conv2d(hPrev, ss, 1, 'same')) as tf.Tensor4D; // [B,1,W,h] ⊛ [1,3,h,4h]
        const next = lstmCell(g, cPrev, fused);
        [hPrev, cPrev] = [next.h as tf.Tensor4D, next.c as tf.Tensor4D];
        gates.push(g);
        hs.push(hPrev);
        cs.push(cPrev);
      }
      save([ss, hInit, cInit, ...gates, ...hs, ...cs]);
      return {
        value: tf.concat(hs, 1), // [B,H,W,h]
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [ssv, h0b, c0b] = saved as tf.Tensor4D[];
          const g = saved.slice(3, 3 + rows) as tf.Tensor4D[];
          const hv = saved.slice(3 + rows, 3 + 2 * rows) as tf.Tensor4D[];
          const cv = saved.slice(3 + 2 * rows) as tf.Tensor4D[];
          // The transpose of a 'same' 1×3 convolution: the kernel flipped along the row, in/out swapped.
          const flipped = tf.transpose(tf.reverse(ssv!, 1), [0, 1, 3, 2]) as tf.Tensor4D; // [1,3,4h,h]
          const dyRows = tf.unstack(tf.transpose(dy as tf.Tensor4D, [1, 0, 2, 3])).map((r) => r.expandDims(1));
          // The gradient reaching h of row i−1 (row −1: h0) is the gates' gradient through the flipped kernel.
          const { dGates, dh0, dc0 } = lstmBackwardScan(dyRows, g, cv, c0b!, (dg) => tf.conv2d(dg as tf.Tensor4D, flipped, 1, 'same'), fused);
          const dIs = tf.concat(dGates, 1) as tf.Tensor4D; // [B,H,W,4h]
          // dK[0, t] = Σ over all rows and positions of hPrev shifted by tap t, times the gate gradient.
          const [bb, , ww, hh] = h0b!.shape;
          const hPrevMap = tf.concat([h0b!, ...hv.slice(0, rows - 1)], 1); // row i holds h of row i−1
          const padded = tf.pad(hPrevMap, [[0, 0], [0, 0], [1, 1], [0, 0]]);
          const dFlat = dIs.reshape([bb * rows * ww, 4 * hh]) as tf.Tensor2D;
          const taps = [0, 1, 2].map((t) => matMulT(padded.slice([0, 0, t, 0], [bb, rows, ww, hh]).reshape([bb * rows * ww, hh]) as tf.Tensor2D, dFlat, true, false));
          const dSs = tf.stack(taps).reshape([1, 3, hh, 4 * hh]);
          return [dIs, dSs, tf.sum(dh0, [0, 1, 2]), tf.sum(dc0, [0, 1, 2])];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(isMap, this.ss, h0, c0) as tf.Tensor4D;
  }
}
