import * as tf from '@tensorflow/tfjs';
import { channelGroups, convMask, gateGroups, type MaskType } from '../masks';
import type { ComputePath } from './computePath';
import { convSame } from './convGrad';
import { MaskedConv } from './maskedConv';
import type { ParamStore } from './params';

/**
 * The two stacks of the Gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN
 * Decoders"), with the colour groups of SPEC.md §2.
 *
 * For an odd kernel k and r = ⌊k/2⌋:
 *  - the vertical stack convolves with a (r+1) × k kernel over the rows i−r … i (the current row included,
 *    every column j−r … j+r). Its maps reach the horizontal stack only shifted down one row, so the
 *    horizontal stack at row i reads rows < i of it: no blind spot above, and no colour masks are needed
 *    (every colour of every earlier row is visible to every colour);
 *  - the horizontal stack convolves with a 1 × (r+1) kernel over the columns j−r … j of the row, its last
 *    tap (the pixel itself) masked by colour group: mask A in the first layer, mask B after.
 * Saved weights have those live shapes; for the convolution they are zero-padded to an odd k × k (below)
 * or 1 × k (right) kernel, so the project's 'same' convolution and its gradients (convGrad.ts) apply and
 * the padded taps' gradients are never computed.
 */
export type StackKind = 'vertical' | 'horizontal';

export interface StackConvSpec {
  name: string;
  kind: StackKind;
  /** The odd kernel size k of the layer. */
  k: number;
  inGroups: Int32Array;
  outGroups: Int32Array;
  /** Colour mask at the horizontal stack's centre tap ('A' first layer, 'B' after); the vertical stack has none. */
  mask?: MaskType;
}

export class StackConv {
  readonly w: tf.Variable; // vertical [r+1, k, cin, cout]; horizontal [1, r+1, cin, cout]
  readonly b: tf.Variable; // [cout]
  /** The colour mask over the live horizontal kernel [1, r+1, cin, cout] (null for the vertical stack). */
  readonly mask: tf.Tensor4D | null;
  readonly r: number;
  private readonly liveTaps: boolean[];
  private readonly path: ComputePath;

  constructor(store: ParamStore, readonly spec: StackConvSpec) {
    this.path = store.path;
    const { name, kind, k, inGroups, outGroups } = spec;
    if (k % 2 !== 1) throw new Error(`StackConv needs an odd kernel, got ${k}`);
    const r = (this.r = (k - 1) / 2);
    const cin = inGroups.length;
    const cout = outGroups.length;
    const [kh, kw] = kind === 'vertical' ? [r + 1, k] : [1, r + 1];
    this.w = store.glorot(`${name}/w`, [kh, kw, cin, cout], kh * kw * cin, cout);
    this.b = store.fill(`${name}/b`, [cout], 0);
    if (kind === 'vertical') {
      this.mask = null;
      this.liveTaps = Array.from({ length: k * k }, (_, t) => Math.floor(t / k) <= r); // rows i−r … i
    } else {
      // The 1 × k mask of SPEC.md §2 (left of the centre on, right off, the centre by group), its live part.
      const full = convMask(1, k, inGroups, outGroups, spec.mask ?? 'B');
      const live = full.subarray(0, (r + 1) * cin * cout);
      this.mask = store.constant(tf.tensor4d(live, [1, r + 1, cin, cout])) as tf.Tensor4D;
      this.liveTaps = Array.from({ length: k }, (_, x) => x < r || (x === r && live.subarray(r * cin * cout).some((m) => m !== 0)));
    }
  }

  /** The live kernel with its colour mask applied: the shape of `w`. */
  liveKernel(): tf.Tensor4D {
    return this.mask ? tf.mul(this.w, this.mask) : (this.w as tf.Tensor4D);
  }

  /** The live kernel zero-padded to the odd kernel of a 'same' convolution: [k,k,cin,cout] or [1,k,cin,cout]. */
  kernel(): tf.Tensor4D {
    return tf.tidy(() => {
      const r = this.r;
      const pad: Array<[number, number]> = this.spec.kind === 'vertical' ? [[0, r], [0, 0], [0, 0], [0, 0]] : [[0, 0], [0, r], [0, 0], [0, 0]];
      return tf.pad(this.liveKernel(), pad);
    });
  }

  /** [B,H,W,cin] → [B,H,W,cout] */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(convSame(x, this.kernel(), this.liveTaps, this.path), this.b));
  }
}

/** tanh(f) ⊙ σ(g) for pre-activations [..., 2n] = [f, g] along the last axis → [..., n]. */
export function gate<T extends tf.Tensor>(pre: T): T {
  return tf.tidy(() => {
    const n = pre.shape[pre.rank - 1]! / 2;
    const [f, g] = tf.split(pre, [n, n], pre.rank - 1);
    return tf.mul(tf.tanh(f!), tf.sigmoid(g!)) as T;
  });
}

/** Maps [B,H,W,F] shifted down one row (row 0 zero): row i then holds what row i − 1 computed. */
export function shiftDown(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, f] = x.shape;
    return tf.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]]).slice([0, 0, 0, 0], [b, h, w, f]);
  });
}

export interface GatedLayerSpec {
  name: string;
  /** Kernel of the layer (firstKernel for the first layer, 3 after). */
  k: number;
  /** Colour groups of the layer's inputs (the image's channels, or the 2h features of the stacks). */
  inGroups: Int32Array;
  /** Features n of each stack's output (2h); the gate pre-activations have 2n. */
  width: number;
  /** 1 or 3 colour groups. */
  groups: number;
  /** 'A' for the first layer (a colour never sees itself), 'B' after. */
  mask: MaskType;
  skip: boolean;
  /** Class-conditional models: the number of classes K (tables of K + 1 rows, the last one "none"). */
  classes?: number;
}

/**
 * One gated layer of both stacks:
 *   v' = tanh(Wf ∗ v) ⊙ σ(Wg ∗ v)                                       (vertical, (r+1) × k)
 *   h' = h + out(tanh(f) ⊙ σ(g)),  [f, g] = Wh ∗ h + link(shiftDown(Wv ∗ v))  (horizontal, 1 × (r+1))
 * `link` is an unmasked 1×1 from the vertical pre-activations (rows above only, after the shift); `out` the
 * 1×1 mask-B projection; the residual sum is the model's (not in the first layer, whose input is the image).
 * The gate pre-activations are [f, g] blocks, each in colour groups (gateGroups), so f ⊙ g pairs features of
 * the same group.
 *
 * Class conditioning (config.classes = K): two learned tables [K+1, 2n], `classV` and `classH` (row K: the
 * null class "none"), add the row of each image's class to the vertical and the horizontal stack's gate
 * pre-activations: a per-image [B,1,1,2n] bias, the same at every pixel, so no causality changes:
 *   vPre = Wv ∗ v + classV[y],  hPre = Wh ∗ h + classH[y] + link(shiftDown(vPre)).
 */
export class GatedLayer {
  readonly v: StackConv;
  readonly h: StackConv;
  readonly link: MaskedConv;
  readonly out: MaskedConv;
  readonly skip: MaskedConv | null;
  /** [K+1, 2n] class tables of a class-conditional model (null otherwise). */
  readonly classV: tf.Variable | null;
  readonly classH: tf.Variable | null;

  constructor(store: ParamStore, readonly spec: GatedLayerSpec) {
    const { name, k, inGroups, width: n, groups, mask } = spec;
    const gates = gateGroups(n, 2, groups);
    const g = channelGroups(n, groups);
    this.v = new StackConv(store, { name: `${name}/v`, kind: 'vertical', k, inGroups, outGroups: gates });
    this.h = new StackConv(store, { name: `${name}/h`, kind: 'horizontal', k, inGroups, outGroups: gates, mask });
    this.link = new MaskedConv(store, { name: `${name}/link`, kh: 1, kw: 1, inGroups: new Int32Array(2 * n), outGroups: new Int32Array(2 * n), mask: 'none', bias: false });
    this.out = new MaskedConv(store, { name: `${name}/out`, kh: 1, kw: 1, inGroups: g, outGroups: g, mask: 'B' });
    this.skip = spec.skip ? new MaskedConv(store, { name: `${name}/skip`, kh: 1, kw: 1, inGroups: g, outGroups: g, mask: 'B' }) : null;
    const K = spec.classes;
    this.classV = K ? store.glorot(`${name}/v/class`, [K + 1, 2 * n], K + 1, 2 * n) : null;
    this.classH = K ? store.glorot(`${name}/h/class`, [K + 1, 2 * n], K + 1, 2 * n) : null;
  }

  /** The class rows of the images [B] (int32) of a table: [B, 2n]. */
  static rows(table: tf.Tensor, labels: tf.Tensor1D): tf.Tensor2D {
    return tf.gather(table, labels) as tf.Tensor2D;
  }

  /**
   * v [B,H,W,cin], h [B,H,W,cin] → the next v (null when `lastV`: nobody reads it) and the horizontal
   * stack's gated output projected by `out`, before any residual sum: [B,H,W,n].
   */
  apply(v: tf.Tensor4D, h: tf.Tensor4D, lastV = false, labels?: tf.Tensor1D): { v: tf.Tensor4D | null; o: tf.Tensor4D } {
    const out = tf.tidy(() => {
      let vPre = this.v.apply(v); // [B,H,W,2n], rows i−r … i
      let hIn = this.h.apply(h);
      if (this.classV && this.classH) {
        if (!labels) throw new Error('This gated layer is class-conditional: pass the class of each image');
        const b = labels.shape[0];
        vPre = tf.add(vPre, GatedLayer.rows(this.classV, labels).reshape([b, 1, 1, -1])) as tf.Tensor4D;
        hIn = tf.add(hIn, GatedLayer.rows(this.classH, labels).reshape([b, 1, 1, -1])) as tf.Tensor4D;
      }
      const hPre = tf.add(hIn, this.link.apply(shiftDown(vPre))) as tf.Tensor4D; // [B,H,W,2n]
      const o = this.out.apply(gate(hPre)); // [B,H,W,n]
      return lastV ? { o } : { o, v: gate(vPre) };
    }) as { v?: tf.Tensor4D; o: tf.Tensor4D };
    return { v: out.v ?? null, o: out.o };
  }
}
