import * as tf from '@tensorflow/tfjs';
import { GatedLayer } from '../layers/gated';
import type { ParamStore } from '../layers/params';
import { channelGroups } from '../masks';
import type { ModelConfig } from './config';

/** Kernel of the gated layers after the first: (r+1) × 3 vertical, 1 × 2 horizontal (as the PixelCNN's 3×3 blocks). */
export const GATED_KERNEL = 3;

/**
 * The body of the Gated PixelCNN (arch 'gated'): a first gated layer "in" on the image (kernel firstKernel,
 * mask A, no residual: its input has C features), then `layers` gated layers "l0" … (kernel 3, mask B,
 * residual on the horizontal stack, a 1×1 mask-B skip to the head from each output, as the PixelCNN's).
 * Both stacks carry 2h features, the residual stream width of the other architectures, so the head and the
 * skips are the same. See ../layers/gated.ts for one layer.
 *
 * Receptive field of pixel (i, j) with R = ⌊firstKernel/2⌋ + layers: every pixel of the rows i−R−1 … i−1
 * within columns j−R … j+R, and of row i the columns j−R … j−1 (and earlier colours of (i, j)): no blind spot.
 */
export class GatedStacks {
  readonly first: GatedLayer;
  readonly layers: GatedLayer[] = [];

  constructor(store: ParamStore, readonly config: ModelConfig) {
    const { channels: C, hidden: h, layers, firstKernel, skip } = config;
    const n = 2 * h;
    const { classes } = config;
    this.first = new GatedLayer(store, { name: 'in', k: firstKernel, inGroups: channelGroups(C, C), width: n, groups: C, mask: 'A', skip: false, classes });
    for (let l = 0; l < layers; l++)
      this.layers.push(new GatedLayer(store, { name: `l${l}`, k: GATED_KERNEL, inGroups: channelGroups(n, C), width: n, groups: C, mask: 'B', skip, classes }));
  }

  /**
   * Normalised images [B,H,W,C] → the head's input [B,H,W,2h] (the sum of the skips, or the last h).
   * `labels` [B] int32: each image's class in [0, K] (K: none), for a class-conditional model.
   */
  apply(x: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor4D {
    return tf.tidy(() => {
      // 1) first layer: both stacks read the image; no residual
      const last = this.layers.length === 0;
      const f = this.first.apply(x, x, last, labels);
      let v = f.v;
      let h = f.o; // [B,H,W,2h]
      // 2) gated layers, residual on the horizontal stack, each with a skip to the head
      let skipSum: tf.Tensor4D | null = null;
      this.layers.forEach((layer, l) => {
        const { v: v2, o } = layer.apply(v!, h, l === this.layers.length - 1, labels);
        v = v2;
        h = this.config.residual ? (tf.add(h, o) as tf.Tensor4D) : o;
        if (layer.skip) {
          const s = layer.skip.apply(h);
          skipSum = skipSum ? (tf.add(skipSum, s) as tf.Tensor4D) : s;
        }
      });
      return skipSum ?? h;
    });
  }
}
