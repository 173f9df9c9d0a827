import * as tf from '@tensorflow/tfjs';
import { convMask, type MaskType } from '../masks';
import type { ComputePath } from './computePath';
import { convSame, linear, liveTapsOf } from './convGrad';
import type { ParamStore } from './params';

export interface MaskedConvSpec {
  name: string;
  kh: number;
  kw: number;
  inGroups: Int32Array;
  outGroups: Int32Array;
  /** 'none' for the unmasked convolutions (conditioning maps). */
  mask: MaskType | 'none';
  bias?: boolean;
  /** Initial bias values (zeros by default). */
  biasInit?: Float32Array;
}

/**
 * A 'same'-padded convolution computed as conv(x, W ⊙ M) (SPEC.md §2), so the gradient of W is
 * masked too and masked weights stay exactly zero in effect whatever the optimiser does to W.
 */
export class MaskedConv {
  readonly w: tf.Variable; // [kh, kw, cin, cout]
  readonly b: tf.Variable | null; // [cout]
  readonly mask: tf.Tensor4D | null;
  readonly cout: number;
  /** Taps of the kernel that the mask does not zero entirely (their gradient is the only one computed). */
  private readonly liveTaps: boolean[] | undefined;
  private readonly path: ComputePath;

  constructor(store: ParamStore, readonly spec: MaskedConvSpec) {
    this.path = store.path;
    const { name, kh, kw, inGroups, outGroups } = spec;
    const cin = inGroups.length;
    this.cout = outGroups.length;
    this.w = store.glorot(`${name}/w`, [kh, kw, cin, this.cout], kh * kw * cin, this.cout);
    this.b =
      spec.bias === false ? null : spec.biasInit ? store.values(`${name}/b`, [this.cout], spec.biasInit) : store.fill(`${name}/b`, [this.cout], 0);
    const mask = spec.mask === 'none' ? null : convMask(kh, kw, inGroups, outGroups, spec.mask);
    this.mask = mask ? (store.constant(tf.tensor4d(mask, [kh, kw, cin, this.cout])) as tf.Tensor4D) : null;
    this.liveTaps = mask ? liveTapsOf(mask, kh, kw, cin, this.cout) : undefined;
  }

  /** The effective kernel W ⊙ M. */
  kernel(): tf.Tensor4D {
    return this.mask ? tf.mul(this.w, this.mask) : (this.w as tf.Tensor4D);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const { kh, kw } = this.spec;
      let y: tf.Tensor4D;
      if (kh === 1 && kw === 1 && this.path.project) {
        // A 1×1 convolution is a matrix product; tfjs's matMul and its gradients are much faster than
        // conv2d's filter gradient on every backend.
        const [b, h, w, cin] = x.shape;
        const k = this.kernel().reshape([cin, this.cout]) as tf.Tensor2D;
        y = linear(x.reshape([b * h * w, cin]) as tf.Tensor2D, k, this.path).reshape([b, h, w, this.cout]); // [BHW,cin]·[cin,cout]
      } else {
        y = convSame(x, this.kernel(), this.liveTaps, this.path); // [B,H,W,cin] ⊛ [kh,kw,cin,cout] → [B,H,W,cout]
      }
      return this.b ? tf.add(y, this.b) : y;
    });
  }
}
