import * as tf from '@tensorflow/tfjs';

/**
 * The images being sampled, held on the device (raw sub-pixel values 0…255 or 0/1, as float32), so that a
 * drawn value goes into the network's input without a round trip through the CPU.
 *
 * Two tensors: `rows` [B,H,W,C], whose rows above the current one are final (and which holds the known
 * sub-pixels of inpainting everywhere from the start), and `current` [B, W·C], the row being drawn. A draw
 * rewrites `current` only (one select over B·W·C values, not the whole image), and `endRow` puts it back
 * into `rows` once per row. Rows below the current one keep their initial (known or zero) values: the
 * network never reads them (causality), so they need not be final.
 *
 * The state tensors are kept (tf.keep), so the methods may be called inside a tf.tidy.
 *
 * Call order, as the sampling loop does: beginRow(i), then write(…) for the row's sub-pixels in order,
 * then endRow(); every row, whether its sub-pixels are drawn or all known.
 */
export class DeviceImages {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  private rowsT: tf.Tensor4D;
  private currentT: tf.Tensor2D | null = null;
  private row = -1;
  /** Index of each sub-pixel of a row, [1, W·C], and of each row, [1,H,1,1]: compared with a step or row. */
  private readonly stepIndex: tf.Tensor2D;
  private readonly rowIndex: tf.Tensor4D;

  /** `initial`: [B,H,W,C] values to start from (the known sub-pixels, zeros elsewhere); uploaded once. */
  constructor(shape: { batch: number; height: number; width: number; channels: number }, initial: Uint8Array) {
    ({ batch: this.batch, height: this.height, width: this.width, channels: this.channels } = shape);
    const { batch: B, height: H, width: W, channels: C } = this;
    if (initial.length !== B * H * W * C) throw new Error(`DeviceImages: expected ${B * H * W * C} sub-pixels, got ${initial.length}`);
    this.rowsT = tf.keep(tf.tidy(() => tf.tensor4d(initial, [B, H, W, C], 'int32').toFloat()));
    this.stepIndex = tf.keep(tf.tidy(() => tf.range(0, W * C, 1, 'int32').reshape([1, W * C]) as tf.Tensor2D));
    this.rowIndex = tf.keep(tf.tidy(() => tf.range(0, H, 1, 'int32').reshape([1, H, 1, 1]) as tf.Tensor4D));
  }

  /** The row being drawn. */
  get currentRow(): number {
    return this.row;
  }

  /** Rows above the current one final, the others as they started: [B,H,W,C] (borrowed: do not dispose). */
  get rows(): tf.Tensor4D {
    return this.rowsT;
  }

  /** The current row as drawn so far: [B, W·C] in (column, channel) order (borrowed: do not dispose). */
  get current(): tf.Tensor2D {
    if (!this.currentT) throw new Error('DeviceImages: no row begun');
    return this.currentT;
  }

  beginRow(i: number): void {
    const { batch: B, width: W, channels: C } = this;
    this.currentT?.dispose();
    this.row = i;
    this.currentT = tf.keep(tf.tidy(() => this.rowsT.slice([0, i, 0, 0], [B, 1, W, C]).reshape([B, W * C]) as tf.Tensor2D));
  }

  /**
   * Writes the values [B,1] drawn for sub-pixel s = col·C + channel of the current row, into the images
   * where `open` [B,1] (bool) is true; the others keep their (known) value.
   */
  write(s: number, value: tf.Tensor2D, open: tf.Tensor2D): void {
    const next = tf.tidy(() => {
      const at = tf.logicalAnd(tf.equal(this.stepIndex, tf.scalar(s, 'int32')), open); // [B, W·C]
      return tf.where(at, value, this.current) as tf.Tensor2D; // [B, W·C]
    });
    this.currentT!.dispose();
    this.currentT = tf.keep(next);
  }

  /** Puts the current row into the images: it is final from now on. */
  endRow(): void {
    const { batch: B, width: W, channels: C } = this;
    const next = tf.tidy(() => {
      const here = tf.equal(this.rowIndex, tf.scalar(this.row, 'int32')); // [1,H,1,1]
      return tf.where(here, this.current.reshape([B, 1, W, C]), this.rowsT) as tf.Tensor4D; // [B,H,W,C]
    });
    this.rowsT.dispose();
    this.rowsT = tf.keep(next);
    this.currentT!.dispose();
    this.currentT = null;
  }

  /** The images with the current row as drawn so far: a new tensor [B,H,W,C] (the caller disposes it). */
  full(): tf.Tensor4D {
    if (!this.currentT) return this.rowsT.clone();
    const { batch: B, width: W, channels: C } = this;
    return tf.tidy(() => {
      const here = tf.equal(this.rowIndex, tf.scalar(this.row, 'int32')); // [1,H,1,1]
      return tf.where(here, this.current.reshape([B, 1, W, C]), this.rowsT) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.rowsT.dispose();
    this.currentT?.dispose();
    this.currentT = null;
    this.stepIndex.dispose();
    this.rowIndex.dispose();
  }
}
