import * as tf from '@tensorflow/tfjs';
import type { DiagonalBiLSTM, DiagonalDirection } from '../../layers/diagonalLstm';
import { lstmCell } from '../../layers/lstm';
import { matrix1x1, mm, Owned, rowColumns, type CacheContext, type CoreCache } from './common';

/**
 * Diagonal BiLSTM cache. What a new sub-pixel invalidates, worked out from the layer (diagonalLstm.ts):
 *
 * Forward direction. Pixel (r, j) sits at skewed column t = r + j. The scan computes the cell (r, t) from
 * the cell (r, t−1) of the same row ("same": the pixel to the left, (r, j−1)) and the cell (r−1, t−1)
 * ("up": skewed column t−1 of row r−1 is pixel (r−1, (t−1)−(r−1)) = (r−1, j), the pixel ABOVE). The cell
 * state c comes from "same" only. So in image coordinates
 *   fw(r, j) = LSTM( is_fw(r, j) + [h_fw(r, j−1), h_fw(r−1, j)] · K_ss ,  c_fw(r, j−1) )
 * with is_fw a 1×1 mask-B map of the layer input at (r, j) only. By induction fw(r, j) reads inputs at
 * (r', j') with r' ≤ r and j' ≤ j only: a new sub-pixel at (i, j) invalidates, in the forward direction,
 * nothing but (i, j) itself until (i, j) is final (everything else it reaches lies after it in raster
 * order, i.e. is not computed yet). Per pixel: one LSTM step per layer.
 *
 * Boundaries. Row r's first pixel reads "same" = the cell (r, r−1) of the skewed map. Skewed cells left of a
 * row's pixels (t < r) see zero input (the skew pads the input-to-state map with zeros) and read only such
 * cells of the row above (t−1 < r−1) and the initial state (column −1, h0/c0 for every row; the row above
 * row 0 is zero). They are constants of the weights: `leading` computes them once per sampling run with
 * the layer's own `step`, and fw(r, −1) := that constant. Cells right of a row's pixels only ever feed
 * cells right of the next row's pixels, which are cropped away: never needed.
 *
 * Backward direction: the same recurrence on the left–right mirrored image, i.e. in image coordinates
 *   bw(r, j) = LSTM( is_bw(r, j) + [h_bw(r, j+1), h_bw(r−1, j)] · K_ss' ,  c_bw(r, j+1) ),
 * reading (r', j') with r' ≤ r and j' ≥ j — the rest of row r, not yet drawn. It is shifted down one row
 * before the sum, so output row r reads bw(r−1, ·) only: when row r begins, row r−1 is final, and
 * `beginRow` runs the backward scan of row r−1 once (W steps right to left, each layer, the "up" term of
 * the whole row in one matrix product). Nothing a sub-pixel of row r draws can change it.
 *
 * Per colour step (`core`): gates = z(i, j)·W_is + [once per pixel: b + cond + [h_fw(i, j−1), h_fw(i−1, j)]·K_ss]
 * then the cell, plus bw(i−1, j). Stored per pixel when final: h_fw, c_fw and the layer input z(i, j)
 * (the backward scan of the row reads it when the next row begins).
 */
export class DiagonalCache implements CoreCache {
  private readonly own = new Owned();
  private readonly fwIs: tf.Tensor2D[];
  private readonly bwIs: tf.Tensor2D[];
  private readonly bwSame: tf.Tensor2D[];
  private readonly bwUp: tf.Tensor2D[];
  private readonly fwCond: (tf.Tensor4D | null)[];
  private readonly bwCond: (tf.Tensor4D | null)[];
  /** Per layer and row r: the state entering row r from the left (forward) / the right (backward). */
  private readonly fwLead: { h: tf.Tensor2D; c: tf.Tensor2D }[][];
  private readonly bwLead: { h: tf.Tensor2D; c: tf.Tensor2D }[][];
  private readonly zeros: tf.Tensor2D;
  private fwUp: (tf.Tensor2D[] | null)[] = []; // h_fw of row i−1, per column
  private curZ: tf.Tensor2D[][] = [];
  private curH: tf.Tensor2D[][] = [];
  private curC: tf.Tensor2D[][] = [];
  private bwRow: (tf.Tensor2D[] | null)[] = []; // h_bw of row i−1 (the shifted addend of row i)
  private bwRowMap: (tf.Tensor3D | null)[] = []; // the same stacked [B, W, h], the "up" of the next scan
  private rowTerm: tf.Tensor2D[][] = [];
  private nb: tf.Tensor2D[] = [];

  constructor(
    private readonly layers: DiagonalBiLSTM[],
    private readonly ctx: CacheContext,
  ) {
    const k = <T extends tf.Tensor>(t: T) => this.own.keep(t);
    const h = ctx.hidden;
    this.fwIs = layers.map((d) => k(matrix1x1(d.forward.is)));
    this.bwIs = layers.map((d) => k(matrix1x1(d.backward.is)));
    this.bwSame = layers.map((d) => k(d.backward.ss.slice([0, 0], [h, 4 * h]) as tf.Tensor2D));
    this.bwUp = layers.map((d) => k(d.backward.ss.slice([h, 0], [h, 4 * h]) as tf.Tensor2D));
    this.fwCond = layers.map((d) => (d.forward.cond && ctx.cmap ? k(d.forward.cond.apply(ctx.cmap)) : null));
    this.bwCond = layers.map((d) => (d.backward.cond && ctx.cmap ? k(d.backward.cond.apply(ctx.cmap)) : null));
    this.fwLead = layers.map((d) => this.leading(d.forward));
    this.bwLead = layers.map((d) => this.leading(d.backward));
    this.zeros = k(tf.zeros([ctx.batch, h]));
  }

  /** States (r, r−1) of the skewed scan for every row r, from zero inputs: see the class comment. */
  private leading(dir: DiagonalDirection): { h: tf.Tensor2D; c: tf.Tensor2D }[] {
    const { batch: B, height: H, hidden: h } = this.ctx;
    const out: { h: tf.Tensor2D; c: tf.Tensor2D }[] = [];
    tf.tidy(() => {
      const row = (m: tf.Tensor3D, r: number) => this.own.keep(m.slice([0, r, 0], [B, 1, h]).reshape([B, h]) as tf.Tensor2D);
      let { h: hs, c: cs } = dir.initialState(B, H);
      out.push({ h: row(hs, 0), c: row(cs, 0) });
      const zero = tf.zeros([B, H, 4 * h]) as tf.Tensor3D;
      for (let t = 0; t < H - 1; t++) {
        ({ h: hs, c: cs } = dir.step(zero, hs, cs)); // rows > t hold the cells (r, t) left of their pixels
        out.push({ h: row(hs, t + 1), c: row(cs, t + 1) });
      }
    });
    return out;
  }

  beginRow(i: number): void {
    const { batch: B, width: W, hidden: h } = this.ctx;
    this.layers.forEach((layer, l) => {
      // 1) Backward direction of the finished row i−1: its output, shifted down, is added all along row i.
      if (i > 0) {
        const zRow = this.curZ[l]!;
        const upMap = this.bwRowMap[l] ?? null; // h_bw of row i−2 (null for row 0: zero padding above)
        const pre = tf.tidy(() => {
          let t = tf.add(mm(tf.stack(zRow, 1).reshape([B * W, 2 * h]), this.bwIs[l]!).reshape([B, W, 4 * h]), layer.backward.is.b!);
          const cm = this.bwCond[l];
          if (cm) t = tf.add(t, cm.slice([0, i - 1, 0, 0], [B, 1, W, 4 * h]).reshape([B, W, 4 * h]));
          if (upMap) t = tf.add(t, mm(upMap.reshape([B * W, h]), this.bwUp[l]!).reshape([B, W, 4 * h]));
          return tf.unstack(t, 1) as tf.Tensor2D[];
        });
        const hs = new Array<tf.Tensor2D>(W);
        let { h: hPrev, c: cPrev } = this.bwLead[l]![i - 1]!;
        for (let j = W - 1; j >= 0; j--) {
          const s = tf.tidy(() => lstmCell(mm(hPrev, this.bwSame[l]!, pre[j]), cPrev)) as { h: tf.Tensor2D; c: tf.Tensor2D };
          if (j < W - 1) cPrev.dispose();
          hs[j] = this.own.keep(s.h);
          hPrev = s.h;
          cPrev = s.c;
        }
        cPrev.dispose();
        for (const t of pre) t.dispose();
        this.own.freeAll(this.bwRow[l]);
        this.own.free(this.bwRowMap[l]);
        this.bwRow[l] = hs;
        this.bwRowMap[l] = this.own.keep(tf.tidy(() => tf.stack(hs, 1)) as tf.Tensor3D);
      }
      // 2) Forward direction: row i−1's states become the "up" inputs; the row's own lists start empty.
      this.own.freeAll(this.fwUp[l]);
      this.fwUp[l] = i > 0 ? this.curH[l]! : null;
      this.own.freeAll(this.curC[l]);
      this.own.freeAll(this.curZ[l]);
      this.curZ[l] = new Array<tf.Tensor2D>(W);
      this.curH[l] = new Array<tf.Tensor2D>(W);
      this.curC[l] = new Array<tf.Tensor2D>(W);
      // 3) Input-to-state bias (+ cond) of row i, per column.
      this.own.freeAll(this.rowTerm[l]);
      const cm = this.fwCond[l];
      const bias = layer.forward.is.b!;
      this.rowTerm[l] = tf.tidy(() =>
        cm
          ? rowColumns(cm, i).map((c) => this.own.keep(tf.add(c, bias) as tf.Tensor2D))
          : new Array<tf.Tensor2D>(W).fill(this.own.keep(tf.broadcastTo(bias.reshape([1, 4 * h]), [B, 4 * h]) as tf.Tensor2D)),
      );
    });
  }

  neighbours(i: number, j: number): void {
    this.own.freeAll(this.nb);
    this.nb = this.layers.map((layer, l) =>
      this.own.keep(
        tf.tidy(() => {
          const left = j > 0 ? this.curH[l]![j - 1]! : this.fwLead[l]![i]!.h;
          const up = i > 0 ? this.fwUp[l]![j]! : this.zeros;
          return mm(tf.concat([left, up], 1), layer.forward.ss as unknown as tf.Tensor2D, this.rowTerm[l]![j]);
        }) as tf.Tensor2D,
      ),
    );
  }

  core(l: number, i: number, j: number, z: tf.Tensor2D, final: boolean): tf.Tensor2D {
    const cLeft = j > 0 ? this.curC[l]![j - 1]! : this.fwLead[l]![i]!.c;
    const { h, c } = lstmCell(mm(z, this.fwIs[l]!, this.nb[l]), cLeft) as { h: tf.Tensor2D; c: tf.Tensor2D };
    if (final) {
      this.curZ[l]![j] = this.own.keep(z);
      this.curH[l]![j] = this.own.keep(h);
      this.curC[l]![j] = this.own.keep(c);
    }
    return i > 0 ? tf.add(h, this.bwRow[l]![j]!) : h;
  }

  dispose(): void {
    this.own.dispose();
  }
}
