import * as tf from '@tensorflow/tfjs';
import type { StackConv } from '../../layers/gated';
import { gate, GatedLayer } from '../../layers/gated';
import { categories } from '../../models/config';
import { GATED_KERNEL } from '../../models/gated';
import { normalizeInput } from '../../models/normalize';
import type { PixelModel } from '../../models/pixelModel';
import type { DeviceImages } from '../deviceImages';
import type { DeviceLogitsProvider } from '../deviceLoop';
import type { LogitsProvider } from '../loop';
import { classTensor } from '../naive';
import type { SampleOptions } from '../types';
import { matrix1x1, mm, Owned } from './common';

/**
 * The cached sampler of the Gated PixelCNN (arch 'gated'): the same draws as the naive sampler, each step
 * computing only what the new sub-pixel changes. The driver is its own (not ../cached.ts's CoreCache): the
 * gated model has no 7×7 first convolution, and its vertical stack is naturally computed a row at a time.
 *
 * Why this is enough. The horizontal stack at (i, j) reads (a) the vertical stack's pre-activations of row
 * i − 1 (after the shift down), which are final once row i − 1 is, and (b) along row i, the previous layer's
 * horizontal outputs at columns j − r … j − 1 (final pixels) and at (i, j) itself (earlier colours only:
 * mask A in the first layer, B after). So:
 *  - per row i: the vertical stack for row i − 1, every layer, as one 'valid' convolution of the last r + 1
 *    rows of the layer below (kept per layer), and its 1×1 link into the horizontal stack: [B, W, 4h] per layer;
 *  - per pixel: each layer's horizontal terms that read final positions (left taps, bias, link column j);
 *  - per colour step: the centre tap of every layer, the gate, the 1×1 out, residual and skip, and the head
 *    for channel c only. The pass for the last colour (or a catch-up pass) leaves (i, j) final: its horizontal
 *    outputs, which never depend on the pixel's last colour, are stored for the pixels to its right.
 */
export class GatedCachedProvider implements LogitsProvider, DeviceLogitsProvider {
  private readonly own = new Owned();
  private readonly B: number;
  private readonly H: number;
  private readonly W: number;
  private readonly C: number;
  private readonly K: number;
  private readonly n: number;
  private readonly all: GatedLayer[];
  /** Raw value → normalised input, by the model's own op (read once, asynchronously: GPU backends). */
  private readonly normTable: tf.Tensor;
  private norm: ArrayLike<number> = [];
  private readonly hLeft: (tf.Tensor2D | null)[]; // per layer [r·cin, 4h]: the horizontal taps left of the centre
  private readonly hCentre: tf.Tensor2D[]; // per layer [cin, 4h]: the centre tap, colour-masked
  private readonly link: tf.Tensor2D[]; // [4h, 4h]
  private readonly out: tf.Tensor2D[]; // [2h, 2h]
  private readonly skip: (tf.Tensor2D | null)[];
  private readonly head1: tf.Tensor2D;
  private readonly head2: tf.Tensor2D[]; // per channel: the columns of its K logits
  private readonly head2b: tf.Tensor[];
  /** Class-conditional: per layer, the class rows of each image for the vertical [B,1,1,4h] and horizontal [B,4h] stack. */
  private readonly classV: (tf.Tensor4D | null)[];
  private readonly classH: (tf.Tensor2D | null)[];
  /** Per layer: the vertical stack's outputs of the last r+1 rows of the next layer's kernel, [B, r+1, W, 2h]. */
  private vHist: (tf.Tensor4D | null)[] = [];
  /** Per layer: the link of row i − 1's vertical pre-activations into row i's horizontal stack, [B, W, 4h]. */
  private linkRow: tf.Tensor3D[] = [];
  /** Per layer: the final horizontal outputs of the current row, one [B, 2h] per column. */
  private hCur: tf.Tensor2D[][] = [];
  private nb: tf.Tensor2D[] = [];
  private final = 0;
  private row = -1;
  private nbPixel = -1;

  constructor(
    private readonly model: PixelModel,
    options: Pick<SampleOptions, 'count' | 'classes'>,
  ) {
    const cfg = model.config;
    if (!model.gated) throw new Error('GatedCachedProvider needs a Gated PixelCNN');
    this.B = options.count;
    this.H = cfg.height;
    this.W = cfg.width;
    this.C = cfg.channels;
    this.K = categories(cfg) === 2 ? 1 : 256;
    this.n = 2 * cfg.hidden;
    this.all = [model.gated.first, ...model.gated.layers];
    const k = <T extends tf.Tensor>(t: T) => this.own.keep(t);
    try {
      this.normTable = k(tf.tidy(() => normalizeInput(tf.range(0, 256, 1, 'float32').reshape([1, 1, 256, 1]), cfg.output === 'binary')));
      this.hLeft = this.all.map((l) => (l.h.r > 0 ? k(taps(l.h, 0, l.h.r)) : null));
      this.hCentre = this.all.map((l) => k(taps(l.h, l.h.r, 1)));
      this.link = this.all.map((l) => k(matrix1x1(l.link)));
      this.out = this.all.map((l) => k(matrix1x1(l.out)));
      this.skip = this.all.map((l) => (l.skip ? k(matrix1x1(l.skip)) : null));
      this.head1 = k(matrix1x1(model.head1));
      const w2 = matrix1x1(model.head2);
      this.head2 = Array.from({ length: this.C }, (_, c) => k(w2.slice([0, c * this.K], [w2.shape[0], this.K]) as tf.Tensor2D));
      this.head2b = Array.from({ length: this.C }, (_, c) => k(model.head2.b!.slice([c * this.K], [this.K])));
      w2.dispose();
      const labels = classTensor(model, options);
      this.classV = this.all.map((l) => (labels && l.classV ? k(tf.tidy(() => GatedLayer.rows(l.classV!, labels).reshape([this.B, 1, 1, 2 * this.n]) as tf.Tensor4D)) : null));
      this.classH = this.all.map((l) => (labels && l.classH ? k(GatedLayer.rows(l.classH, labels)) : null));
      labels?.dispose();
    } catch (e) {
      this.own.dispose();
      throw e;
    }
  }

  async logitsAt(row: number, col: number, channel: number, images: Uint8Array): Promise<Float32Array> {
    const q = row * this.W + col;
    if (q < this.final) throw new Error('The cached sampler only moves forward in raster order');
    if (this.norm.length === 0) this.norm = (await this.normTable.data()) as Float32Array;
    const source = this.hostSource(images);
    while (this.final < q) this.advance(this.final, null, source); // catch up on skipped (known) pixels
    const out = this.advance(q, channel, source)!;
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  logitsOn(row: number, col: number, channel: number, images: DeviceImages): tf.Tensor2D {
    const q = row * this.W + col;
    if (q < this.final) throw new Error('The cached sampler only moves forward in raster order');
    const source = deviceSource(images, this.model.config.output === 'binary');
    while (this.final < q) this.advance(this.final, null, source);
    return this.advance(q, channel, source) as tf.Tensor2D;
  }

  private advance(p: number, channel: number | null, source: GatedSource): tf.Tensor | undefined {
    const i = Math.floor(p / this.W);
    const j = p % this.W;
    const final = channel === null || channel === this.C - 1;
    if (this.row !== i) {
      this.row = i;
      this.beginRow(i, source);
    }
    if (this.nbPixel !== p) {
      this.nbPixel = p;
      this.neighbours(i, j, source);
    }
    const { residual } = this.model.config;
    const result = tf.tidy((): tf.Tensor | undefined => {
      let x: tf.Tensor2D = source.centre(i, j); // [B, C]
      let skipSum: tf.Tensor2D | null = null;
      for (let m = 0; m < this.all.length; m++) {
        const layer = this.all[m]!;
        const pre = mm(x, this.hCentre[m]!, this.nb[m]); // [B, 4h]
        const o = mm(gate(pre), this.out[m]!, layer.out.b); // [B, 2h]
        x = m > 0 && residual ? (tf.add(x, o) as tf.Tensor2D) : o;
        if (final) this.hCur[m]![j] = this.own.keep(tf.clone(x));
        const sw = this.skip[m];
        if (sw) {
          const s = mm(x, sw, layer.skip!.b);
          skipSum = skipSum ? (tf.add(skipSum, s) as tf.Tensor2D) : s;
        }
      }
      if (channel === null) return undefined;
      const h1 = mm(tf.relu(skipSum ?? x), this.head1, this.model.head1.b, true);
      return mm(h1, this.head2[channel]!, this.head2b[channel]);
    });
    if (final) this.final = p + 1;
    return result;
  }

  /** Row i begins: the vertical stack of row i − 1 (every row above is final), its link, a fresh row cache. */
  private beginRow(i: number, source: GatedSource): void {
    const { B, W, n } = this;
    this.all.forEach((_, m) => {
      this.own.freeAll(this.hCur[m]);
      this.hCur[m] = new Array<tf.Tensor2D>(W);
    });
    const next = tf.tidy(() => {
      const vHist: tf.Tensor4D[] = [];
      const linkRow: tf.Tensor3D[] = [];
      this.all.forEach((layer, m) => {
        const r = layer.v.r;
        if (i === 0) {
          linkRow.push(tf.zeros([B, W, 2 * n])); // shifted in from above the image
          vHist.push(tf.zeros([B, GATED_RADIUS + 1, W, n]));
          return;
        }
        // the r+1 rows i−1−r … i−1 below this layer's vertical kernel, zero-padded left and right
        const input = m === 0 ? source.rowsAbove(i, r) : vHist[m - 1]!; // layer m − 1's rows, row i − 1 just added
        const padded = tf.pad(input, [[0, 0], [0, 0], [r, r], [0, 0]]);
        let conv = tf.add(tf.conv2d(padded, layer.v.liveKernel(), 1, 'valid'), layer.v.b); // [B,1,W,4h]
        if (this.classV[m]) conv = tf.add(conv, this.classV[m]!); // the images' class rows
        const vPre = conv.reshape([B * W, 2 * n]); // [B·W, 4h]
        linkRow.push(tf.matMul(vPre, this.link[m]!).reshape([B, W, 2 * n]) as tf.Tensor3D); // the link has no bias
        const v = gate(vPre).reshape([B, 1, W, n]);
        const hist = this.vHist[m]!;
        vHist.push(tf.concat([hist.slice([0, 1, 0, 0], [B, GATED_RADIUS, W, n]), v], 1) as tf.Tensor4D); // drop the oldest row
      });
      return { vHist, linkRow };
    });
    this.own.freeAll(this.vHist);
    this.own.freeAll(this.linkRow);
    this.vHist = next.vHist.map((t) => this.own.keep(t));
    this.linkRow = next.linkRow.map((t) => this.own.keep(t));
  }

  /** Pixel (i, j): every layer's horizontal terms that read final positions (left taps, bias, link column j). */
  private neighbours(i: number, j: number, source: GatedSource): void {
    const { B, n } = this;
    this.own.freeAll(this.nb);
    this.nb = this.all.map((layer, m) =>
      this.own.keep(
        tf.tidy(() => {
          const r = layer.h.r;
          const link = this.linkRow[m]!.slice([0, j, 0], [B, 1, 2 * n]).reshape([B, 2 * n]);
          const bias = this.classH[m] ? tf.add(tf.add(link, layer.h.b), this.classH[m]!) : tf.add(link, layer.h.b);
          if (r === 0) return bias as tf.Tensor2D;
          let left: tf.Tensor2D;
          if (m === 0) left = source.left(i, j, r);
          else {
            const cols: tf.Tensor2D[] = [];
            for (let x = j - r; x < j; x++) cols.push(x >= 0 ? this.hCur[m - 1]![x]! : tf.zeros([B, n]));
            left = tf.concat(cols, 1) as tf.Tensor2D; // [B, r·2h], columns j−r … j−1
          }
          return mm(left, this.hLeft[m]!, bias);
        }),
      ),
    );
  }

  /** Images read from the host array the loop passes (normalised by the model's own table). */
  private hostSource(images: Uint8Array): GatedSource {
    const { B, H, W, C } = this;
    const per = H * W * C;
    const norm = this.norm;
    const value = (b: number, y: number, x: number, c: number) => norm[images[b * per + (y * W + x) * C + c]!]!;
    return {
      centre: (i, j) => {
        const out = new Float32Array(B * C);
        for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) out[b * C + c] = value(b, i, j, c);
        return tf.tensor2d(out, [B, C]);
      },
      left: (i, j, r) => {
        const out = new Float32Array(B * r * C);
        for (let b = 0; b < B; b++)
          for (let t = 0; t < r; t++)
            for (let c = 0; c < C; c++) out[(b * r + t) * C + c] = j - r + t >= 0 ? value(b, i, j - r + t, c) : 0;
        return tf.tensor2d(out, [B, r * C]);
      },
      rowsAbove: (i, r) => {
        const out = new Float32Array(B * (r + 1) * W * C);
        for (let b = 0; b < B; b++)
          for (let t = 0; t <= r; t++) {
            const y = i - 1 - r + t;
            if (y < 0) continue;
            for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[((b * (r + 1) + t) * W + x) * C + c] = value(b, y, x, c);
          }
        return tf.tensor4d(out, [B, r + 1, W, C]);
      },
    };
  }

  dispose(): void {
    this.own.dispose();
  }
}

/** r of the gated layers' kernel: each keeps r + 1 rows of its vertical outputs for the next layer's kernel. */
const GATED_RADIUS = (GATED_KERNEL - 1) / 2;

/** Where the provider reads the images' normalised sub-pixels (zero outside the image, as the 'same' padding). */
interface GatedSource {
  /** Pixel (i, j): [B, C]. */
  centre(i: number, j: number): tf.Tensor2D;
  /** Pixels (i, j − r … j − 1): [B, r·C]. */
  left(i: number, j: number, r: number): tf.Tensor2D;
  /** Rows i − 1 − r … i − 1: [B, r+1, W, C]. */
  rowsAbove(i: number, r: number): tf.Tensor4D;
}

/** The same reads from the device images: the rows above the current one are final in `rows`. */
function deviceSource(images: DeviceImages, binary: boolean): GatedSource {
  const { batch: B, width: W, channels: C } = images;
  const row = (i: number) =>
    normalizeInput(
      (i === images.currentRow ? images.current : images.rows.slice([0, i, 0, 0], [B, 1, W, C])).reshape([B, 1, W, C]) as tf.Tensor4D,
      binary,
    ); // [B,1,W,C]
  return {
    centre: (i, j) => tf.tidy(() => row(i).slice([0, 0, j, 0], [B, 1, 1, C]).reshape([B, C]) as tf.Tensor2D),
    left: (i, j, r) =>
      tf.tidy(() => tf.pad(row(i), [[0, 0], [0, 0], [r, 0], [0, 0]]).slice([0, 0, j, 0], [B, 1, r, C]).reshape([B, r * C]) as tf.Tensor2D),
    rowsAbove: (i, r) =>
      tf.tidy(() => {
        const from = Math.max(0, i - 1 - r);
        const rows = normalizeInput(images.rows.slice([0, from, 0, 0], [B, i - from, W, C]), binary);
        return tf.pad(rows, [[0, 0], [r + 1 - (i - from), 0], [0, 0], [0, 0]]) as tf.Tensor4D; // zero rows above the image
      }),
  };
}

/** Taps x0 … x0+count−1 of a horizontal stack's live kernel [1, r+1, cin, cout] as one matrix [count·cin, cout]. */
function taps(conv: StackConv, x0: number, count: number): tf.Tensor2D {
  return tf.tidy(() => {
    const kernel = conv.liveKernel();
    const [, , cin, cout] = kernel.shape;
    return kernel.slice([0, x0, 0, 0], [1, count, cin, cout]).reshape([count * cin, cout]) as tf.Tensor2D;
  });
}
