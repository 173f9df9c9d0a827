import * as tf from '@tensorflow/tfjs';
import { lstmCell } from '../../layers/lstm';
import type { RowLSTM } from '../../layers/rowLstm';
import { mm, Owned, tapMatrix, type CacheContext, type CoreCache } from './common';

/**
 * Row LSTM cache.
 *
 * At (i, j) the layer computes
 *   gates(i, j) = z(i, j−1)·W_left + z(i, j)·W_centre + b (+ cond(i, j))          input-to-state, 1×3 mask B
 *               + Σ_{d=−1..1} h(i−1, j+d)·K_ss[d]                                  state-to-state, 1×3 on row i−1
 *   c(i, j) = f ⊙ c(i−1, j) + i ⊙ g,   h(i, j) = o ⊙ tanh(c(i, j))
 * (the right input tap is zero under mask B). So a position needs the finished row above (h and c) and
 * the layer's input at its left neighbour and at itself — nothing else of the current row.
 * - once per row (`beginRow`): the state-to-state convolution of the whole finished row i−1 (one conv2d,
 *   exactly the op RowLSTM.step uses) plus bias and cond, split into W columns;
 * - once per pixel (`neighbours`): add the left input tap z(i, j−1)·W_left (final: pixel (i, j−1) is done);
 * - per colour step (`core`): the centre tap and the LSTM cell at (i, j) only.
 * Stored per pixel when final: the layer's input z(i, j) (the next pixel's left tap) and h, c (next row).
 */
export class RowLstmCache implements CoreCache {
  private readonly own = new Owned();
  private readonly wLeft: tf.Tensor2D[];
  private readonly wCentre: tf.Tensor2D[];
  private readonly condMaps: (tf.Tensor4D | null)[];
  /** Per layer, the columns of row i−1: c (for the cell), and of row i so far: input z, h, c. */
  private cPrev: tf.Tensor2D[][] = [];
  private curZ: tf.Tensor2D[][] = [];
  private curH: tf.Tensor2D[][] = [];
  private curC: tf.Tensor2D[][] = [];
  private rowTerm: tf.Tensor2D[][] = [];
  private nb: tf.Tensor2D[] = [];

  constructor(
    private readonly layers: RowLSTM[],
    private readonly ctx: CacheContext,
  ) {
    const k = <T extends tf.Tensor>(t: T) => this.own.keep(t);
    this.wLeft = layers.map((r) => k(tapMatrix(r.is, [[0, 0]])));
    this.wCentre = layers.map((r) => k(tapMatrix(r.is, [[0, 1]])));
    this.condMaps = layers.map((r) => (r.cond && ctx.cmap ? k(r.cond.apply(ctx.cmap)) : null));
  }

  beginRow(i: number): void {
    const { batch: B, width: W, hidden: h } = this.ctx;
    this.layers.forEach((layer, l) => {
      const prevH = this.curH[l];
      const term = tf.tidy(() => {
        const hRow =
          i === 0 || !prevH
            ? layer.initialState(B, W).h // the learned initial state, row −1
            : (tf.stack(prevH, 1).reshape([B, 1, W, h]) as tf.Tensor4D);
        let t = tf.add(tf.conv2d(hRow, layer.ss as tf.Tensor4D, 1, 'same').reshape([B, W, 4 * h]), layer.is.b!);
        const cm = this.condMaps[l];
        if (cm) t = tf.add(t, cm.slice([0, i, 0, 0], [B, 1, W, 4 * h]).reshape([B, W, 4 * h]));
        return tf.unstack(t, 1) as tf.Tensor2D[];
      });
      this.own.freeAll(this.rowTerm[l]);
      this.rowTerm[l] = term.map((t) => this.own.keep(t));
      this.own.freeAll(this.cPrev[l]);
      if (i === 0 || !this.curC[l]) {
        const c0 = this.own.keep(tf.tidy(() => tf.broadcastTo(layer.c0.reshape([1, h]), [B, h])) as tf.Tensor2D);
        this.cPrev[l] = new Array<tf.Tensor2D>(W).fill(c0);
      } else {
        this.cPrev[l] = this.curC[l]!;
      }
      this.own.freeAll(prevH);
      this.own.freeAll(this.curZ[l]);
      this.curZ[l] = new Array<tf.Tensor2D>(W);
      this.curH[l] = new Array<tf.Tensor2D>(W);
      this.curC[l] = new Array<tf.Tensor2D>(W);
    });
  }

  neighbours(_i: number, j: number): void {
    this.own.freeAll(this.nb);
    this.nb = this.layers.map((_, l) => {
      const term = this.rowTerm[l]![j]!;
      // j = 0: the left tap reads the zero padding, so the term is the row term itself (an alias, freed once).
      return j > 0 ? this.own.keep(mm(this.curZ[l]![j - 1]!, this.wLeft[l]!, term)) : term;
    });
  }

  core(l: number, _i: number, j: number, z: tf.Tensor2D, final: boolean): tf.Tensor2D {
    const gates = mm(z, this.wCentre[l]!, this.nb[l]);
    const { h, c } = lstmCell(gates, this.cPrev[l]![j]!) as { h: tf.Tensor2D; c: tf.Tensor2D };
    if (final) {
      this.curZ[l]![j] = this.own.keep(z);
      this.curH[l]![j] = this.own.keep(h);
      this.curC[l]![j] = this.own.keep(c);
    }
    return h;
  }

  dispose(): void {
    this.own.dispose();
  }
}
