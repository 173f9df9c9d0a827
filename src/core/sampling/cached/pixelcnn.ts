import * as tf from '@tensorflow/tfjs';
import type { ConvBlock } from '../../models/pixelModel';
import { causalTaps, matrix1x1, mm, Owned, rowColumns, tapMatrix, type CacheContext, type CoreCache } from './common';

/**
 * PixelCNN block cache.
 *
 * The block is s = conv3×3_B(ra) (+ cond), ra = relu(down(relu(z))), and the layer's core output is relu(s).
 * Every map in the network at a position p depends only on sub-pixels at or before p in raster order
 * (masks: rows above, columns to the left, and at p itself only earlier colours). So once pixel (i, j) is
 * final, `ra` at (i, j) never changes again: we store it, per layer, and the 3×3 convolution at (i, j) is
 *   s(i, j) = [ra(i−1, j−1..j+1), ra(i, j−1)] · W_neighbours  +  ra(i, j) · W_centre  + b (+ cond(i, j))
 * (the other four taps are zero under mask B). The first bracket reads final positions only: it is
 * computed once per pixel (`neighbours`); per colour step only the centre path runs (`core`).
 * The previous row is kept as one padded tensor [B, W+2, h] (one slice per pixel), the current row as one
 * [B, h] tensor per column.
 */
export class ConvCache implements CoreCache {
  private readonly own = new Owned();
  private readonly down: tf.Tensor2D[];
  private readonly downB: tf.Tensor[];
  private readonly wNb: tf.Tensor2D[];
  private readonly wCentre: tf.Tensor2D[];
  private readonly bias: tf.Tensor[];
  private readonly condMaps: (tf.Tensor4D | null)[];
  private readonly zeros: tf.Tensor2D;
  private prev: tf.Tensor3D[] = [];
  private cur: tf.Tensor2D[][] = [];
  private condCols: (tf.Tensor2D[] | null)[] = [];
  private nb: tf.Tensor2D[] = [];

  constructor(
    blocks: ConvBlock[],
    private readonly ctx: CacheContext,
  ) {
    const k = <T extends tf.Tensor>(t: T) => this.own.keep(t);
    const taps = causalTaps(3); // (0,0) (0,1) (0,2) (1,0): the row above, then the left neighbour
    this.down = blocks.map((b) => k(matrix1x1(b.down)));
    this.downB = blocks.map((b) => b.down.b!);
    this.wNb = blocks.map((b) => k(tapMatrix(b.conv, taps)));
    this.wCentre = blocks.map((b) => k(tapMatrix(b.conv, [[1, 1]])));
    this.bias = blocks.map((b) => b.conv.b!);
    this.condMaps = blocks.map((b) => (b.cond && ctx.cmap ? k(b.cond.apply(ctx.cmap)) : null));
    this.zeros = k(tf.zeros([ctx.batch, ctx.hidden]) as tf.Tensor2D);
  }

  beginRow(i: number): void {
    const { batch: B, width: W, hidden: h } = this.ctx;
    for (let l = 0; l < this.down.length; l++) {
      const cur = this.cur[l];
      const next =
        i === 0 || !cur
          ? tf.zeros([B, W + 2, h])
          : tf.tidy(() => tf.pad(tf.stack(cur, 1), [[0, 0], [1, 1], [0, 0]])); // zero padding left and right
      this.own.free(this.prev[l]);
      this.own.freeAll(cur);
      this.prev[l] = this.own.keep(next as tf.Tensor3D);
      this.cur[l] = new Array<tf.Tensor2D>(W);
      this.own.freeAll(this.condCols[l]);
      const cm = this.condMaps[l];
      this.condCols[l] = cm ? rowColumns(cm, i).map((t) => this.own.keep(t)) : null;
    }
  }

  neighbours(i: number, j: number): void {
    void i;
    const { batch: B, hidden: h } = this.ctx;
    this.own.freeAll(this.nb);
    this.nb = this.down.map((_, l) =>
      this.own.keep(
        tf.tidy(() => {
          const up = this.prev[l]!.slice([0, j, 0], [B, 3, h]).reshape([B, 3 * h]); // padded columns j..j+2 = j−1..j+1
          const left = j > 0 ? this.cur[l]![j - 1]! : this.zeros;
          const s = mm(tf.concat([up, left], 1), this.wNb[l]!, this.bias[l]);
          const c = this.condCols[l]?.[j];
          return c ? tf.add(s, c) : s;
        }) as tf.Tensor2D,
      ),
    );
  }

  core(l: number, _i: number, j: number, z: tf.Tensor2D, final: boolean): tf.Tensor2D {
    const ra = mm(tf.relu(z), this.down[l]!, this.downB[l], true);
    if (final) this.cur[l]![j] = this.own.keep(ra);
    return mm(ra, this.wCentre[l]!, this.nb[l], true); // relu(s): the block output fed to `out`
  }

  dispose(): void {
    this.own.dispose();
  }
}
