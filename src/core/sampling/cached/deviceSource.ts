import * as tf from '@tensorflow/tfjs';
import { normalizeInput } from '../../models/normalize';
import type { PixelSource } from '../cached';
import type { DeviceImages } from '../deviceImages';
import { Owned } from './common';

/**
 * The cached sampler's input read from the device images (../deviceImages.ts) instead of host arrays: the
 * same normalised values (the model's own `normalizeInput`), in the same order as the host gatherers
 * (`causalTaps`: the r rows above, each k taps left to right, then the r taps left of the centre), with zeros
 * outside the image as the first layer's 'same' padding of the normalised input.
 *
 * Per row: the finished rows, normalised and zero-padded (r above, r left and right), once. Per pixel: the
 * current row normalised and padded on the left; the patch is two slices of those. Per step: the centre.
 */
export class DeviceSource implements PixelSource {
  private readonly own = new Owned();
  private readonly k: number;
  private aboveRow = -1;
  private above: tf.Tensor4D | null = null; // [B, H+r, W+2r, C]

  constructor(
    readonly images: DeviceImages,
    private readonly binary: boolean,
    private readonly r: number,
  ) {
    this.k = 2 * r + 1;
  }

  centre(i: number, j: number): tf.Tensor2D {
    const { batch: B, channels: C } = this.images;
    return tf.tidy(() => {
      const x = this.row(i).slice([0, j * C], [B, C]).reshape([B, 1, 1, C]) as tf.Tensor4D;
      return normalizeInput(x, this.binary).reshape([B, C]) as tf.Tensor2D; // [B,C]
    });
  }

  patch(i: number, j: number): tf.Tensor2D {
    const { batch: B, width: W, channels: C } = this.images;
    const { r, k } = this;
    if (this.aboveRow !== i) {
      this.aboveRow = i;
      this.own.free(this.above);
      this.above = this.own.keep(
        tf.tidy(() => tf.pad(normalizeInput(this.images.rows, this.binary), [[0, 0], [r, 0], [r, r], [0, 0]]) as tf.Tensor4D),
      );
    }
    return tf.tidy(() => {
      const up = this.above!.slice([0, i, j, 0], [B, r, k, C]).reshape([B, r * k * C]); // padded rows i.. = image rows i−r..i−1
      const row = normalizeInput(this.row(i).reshape([B, 1, W, C]) as tf.Tensor4D, this.binary);
      const left = tf.pad(row, [[0, 0], [0, 0], [r, 0], [0, 0]]).slice([0, 0, j, 0], [B, 1, r, C]).reshape([B, r * C]); // columns j−r..j−1
      return tf.concat([up, left], 1) as tf.Tensor2D; // [B, (r·k + r)·C]
    });
  }

  /**
   * Row i as [B, W·C]: the row being drawn, or a finished one (the provider catches up on pixels of rows the
   * loop skipped, all of whose sub-pixels were known, while a later row is current). Inside a tidy.
   */
  private row(i: number): tf.Tensor2D {
    const { batch: B, width: W, channels: C } = this.images;
    if (i === this.images.currentRow) return this.images.current;
    return this.images.rows.slice([0, i, 0, 0], [B, 1, W, C]).reshape([B, W * C]) as tf.Tensor2D;
  }

  dispose(): void {
    this.own.dispose();
  }
}
