import * as tf from '@tensorflow/tfjs';
import { channelGroups, gateGroups } from '../masks';
import { convSame } from './convGrad';
import { forgetBiasInit, lstmCell } from './lstm';
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

  constructor(store: ParamStore, readonly spec: RecurrentLayerSpec) {
    const { name, hidden: h, groups } = spec;
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
      const gates = tf.add(isRow, convSame(hPrev, this.ss as tf.Tensor4D)); // [B,1,W,h] ⊛ [1,3,h,4h] → [B,1,W,4h]
      return lstmCell(gates, cPrev) as { h: tf.Tensor4D; c: tf.Tensor4D };
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
      const [b, , w] = x.shape;
      // Rows first, so each row is one contiguous slice (unstacking an inner axis costs several times more).
      const rows = tf.unstack(tf.transpose(this.inputToState(x, condMap), [1, 0, 2, 3])).map((r) => r.expandDims(1) as tf.Tensor4D); // H × [B,1,W,4h]
      let { h, c } = this.initialState(b, w);
      const out: tf.Tensor4D[] = [];
      for (const row of rows) {
        ({ h, c } = this.step(row, h, c));
        out.push(h);
      }
      return tf.concat(out, 1); // [B,H,W,h]
    });
  }
}
