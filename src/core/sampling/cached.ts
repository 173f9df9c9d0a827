import * as tf from '@tensorflow/tfjs';
import { DiagonalBiLSTM } from '../layers/diagonalLstm';
import type { MaskedConv } from '../layers/maskedConv';
import { RowLSTM } from '../layers/rowLstm';
import { categories } from '../models/config';
import { normalizeInput } from '../models/normalize';
import { ConvBlock, type PixelModel } from '../models/pixelModel';
import { causalTaps, matrix1x1, mm, Owned, rowColumns, tapMatrix, type CacheContext, type CoreCache } from './cached/common';
import { DiagonalCache } from './cached/diagonal';
import { DeviceSource } from './cached/deviceSource';
import { GatedCachedProvider } from './cached/gated';
import { ConvCache } from './cached/pixelcnn';
import { RowLstmCache } from './cached/rowlstm';
import type { DeviceImages } from './deviceImages';
import type { DeviceLogitsProvider } from './deviceLoop';
import { runSampling, type LogitsProvider } from './loop';
import { classTensor, smallTensor } from './naive';
import type { SampleOptions, SampleResult } from './types';

/**
 * The cached (incremental) sampler: the same draws as `sampleNaive` (same loop, same uniforms, the same
 * logits up to float rounding), but each step computes only what the new sub-pixel can change.
 *
 * Why one position per step is enough. Every map of the network at a position p depends only on the
 * sub-pixels at or before p in raster order (masked convolutions see rows above and columns to the left;
 * the Row LSTM's state-to-state reads the row above; the Diagonal BiLSTM's forward scan reads the left and
 * upper neighbours and its backward scan is shifted down a row), and at p itself on earlier colours only.
 * So when the loop asks for sub-pixel (i, j, c), every position before (i, j) is final and cached, and the
 * logits need the network at (i, j) only: per layer, the terms that read earlier positions are taken from
 * the caches, and only the path through the centre (the new pixel's own values) is computed. The centre
 * path's output at (i, j) does not depend on the pixel's last colour (masks: a colour never reaches its
 * own group), so the pass for the last colour leaves (i, j) final and it is stored for later positions.
 *
 * Per step, for the whole batch at once: the first layer's centre tap (C → 2h), per layer a handful of
 * [B, ·] matrix products, and the head for channel c only. Per pixel: the first layer's other causal taps
 * (24 of the 7×7) and each layer's neighbour terms, so the R → G → B steps reuse all of them. Per row: the
 * row-level work of the recurrent layers (Row LSTM state-to-state conv, Diagonal BiLSTM backward scan).
 * Details per architecture in cached/pixelcnn.ts, cached/rowlstm.ts and cached/diagonal.ts.
 *
 * Steps the loop skips (all sub-pixels known, for inpainting) are caught up from the images on the next
 * call, so known sub-pixels update the caches as drawn ones do.
 */
export function sampleCached(model: PixelModel, options: SampleOptions): Promise<SampleResult> {
  return runSampling(model.config, options, cachedProvider(model, options));
}

export function cachedProvider(model: PixelModel, options: SampleOptions): LogitsProvider {
  return model.gated ? new GatedCachedProvider(model, options) : new CachedProvider(model, options);
}

/**
 * The same provider for a loop that draws on the device (deviceLoop.ts): it reads the sub-pixels from the
 * device images and leaves the logits there, so a step makes no read-back. Same tensors, same order of
 * operations, once the sub-pixels are on the device: the same logits as `cachedProvider`.
 */
export function cachedDeviceProvider(model: PixelModel, options: SampleOptions): DeviceLogitsProvider {
  return model.gated ? new GatedCachedProvider(model, options) : new CachedProvider(model, options);
}

/**
 * Where the provider reads the sub-pixels: the host images (`logitsAt`) or the device ones (`logitsOn`,
 * cached/deviceSource.ts). Both give the normalised values the first layer sees.
 */
export interface PixelSource {
  /** The sub-pixels of pixel (i, j), normalised: [B, C]. */
  centre(i: number, j: number): tf.Tensor2D;
  /** The first layer's causal patch at (i, j) without its centre, normalised, in `causalTaps` order: [B, taps·C]. */
  patch(i: number, j: number): tf.Tensor2D;
}

class CachedProvider implements LogitsProvider, DeviceLogitsProvider {
  private readonly own = new Owned();
  private readonly B: number;
  private readonly H: number;
  private readonly W: number;
  private readonly C: number;
  private readonly K: number;
  private readonly r: number;
  /** Raw value → normalised input, computed by the model's own op (read once, asynchronously: GPU backends). */
  private readonly normTable: tf.Tensor;
  private norm: ArrayLike<number> = [];
  /** The first 7×7 mask-A convolution (the Gated PixelCNN has its own provider, cached/gated.ts). */
  private readonly first: MaskedConv;
  private readonly w0Nb: tf.Tensor2D;
  private readonly w0Centre: tf.Tensor2D;
  private readonly firstCond: tf.Tensor4D | null;
  private firstCondCols: tf.Tensor2D[] | null = null;
  private readonly outW: tf.Tensor2D[];
  private readonly skipW: (tf.Tensor2D | null)[];
  private readonly head1: tf.Tensor2D;
  private readonly head2: tf.Tensor2D[]; // per channel: the columns of its K logits
  private readonly head2b: tf.Tensor[];
  private readonly cache: CoreCache;
  /** Pixels 0 … final−1 (raster order) are stored in the caches. */
  private final = 0;
  private row = -1;
  private nbPixel = -1;
  private nb0: tf.Tensor2D | null = null;
  private device: DeviceSource | null = null;

  constructor(
    private readonly model: PixelModel,
    options: SampleOptions,
  ) {
    const cfg = model.config;
    this.B = options.count;
    this.H = cfg.height;
    this.W = cfg.width;
    this.C = cfg.channels;
    this.K = categories(cfg) === 2 ? 1 : 256;
    this.r = Math.floor(cfg.firstKernel / 2);
    const k = <T extends tf.Tensor>(t: T) => this.own.keep(t);
    if (!model.first) throw new Error(`The ${cfg.arch} model has no first convolution: use its own cached provider`);
    this.first = model.first;
    classTensor(model, options); // a model of this kind takes no class: refuses one
    const small = smallTensor(model, options);
    try {
      const cmap = model.conditionMap(small);
      if (cmap) k(cmap);
      this.normTable = k(tf.tidy(() => normalizeInput(tf.range(0, 256, 1, 'float32').reshape([1, 1, 256, 1]), cfg.output === 'binary')));
      this.w0Nb = k(tapMatrix(this.first, causalTaps(cfg.firstKernel)));
      this.w0Centre = k(tapMatrix(this.first, [[this.r, this.r]]));
      this.firstCond = model.firstCond && cmap ? k(model.firstCond.apply(cmap)) : null;
      this.outW = model.layers.map((l) => k(matrix1x1(l.out)));
      this.skipW = model.layers.map((l) => (l.skip ? k(matrix1x1(l.skip)) : null));
      this.head1 = k(matrix1x1(model.head1));
      const w2 = matrix1x1(model.head2);
      this.head2 = Array.from({ length: this.C }, (_, c) => k(w2.slice([0, c * this.K], [w2.shape[0], this.K]) as tf.Tensor2D));
      this.head2b = Array.from({ length: this.C }, (_, c) => k(model.head2.b!.slice([c * this.K], [this.K])));
      w2.dispose();
      const ctx: CacheContext = { batch: this.B, height: this.H, width: this.W, hidden: cfg.hidden, cmap };
      const cores = model.layers.map((l) => l.core);
      if (cfg.arch === 'pixelcnn') this.cache = new ConvCache(cores.filter((c): c is ConvBlock => c instanceof ConvBlock), ctx);
      else if (cfg.arch === 'rowlstm') this.cache = new RowLstmCache(cores.filter((c): c is RowLSTM => c instanceof RowLSTM), ctx);
      else this.cache = new DiagonalCache(cores.filter((c): c is DiagonalBiLSTM => c instanceof DiagonalBiLSTM), ctx);
    } catch (e) {
      this.own.dispose();
      throw e;
    } finally {
      small?.dispose();
    }
  }

  async logitsAt(row: number, col: number, channel: number, images: Uint8Array): Promise<Float32Array> {
    const q = row * this.W + col;
    if (q < this.final) throw new Error('The cached sampler only moves forward in raster order');
    if (this.norm.length === 0) this.norm = (await this.normTable.data()) as Float32Array;
    const source: PixelSource = { centre: (i, j) => this.centreInput(i, j, images), patch: (i, j) => this.hostPatch(i, j, images) };
    while (this.final < q) this.advance(this.final, null, source); // catch up on skipped (known) pixels
    const out = this.advance(q, channel, source)!;
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  logitsOn(row: number, col: number, channel: number, images: DeviceImages): tf.Tensor2D {
    const q = row * this.W + col;
    if (q < this.final) throw new Error('The cached sampler only moves forward in raster order');
    const source = this.deviceSource(images);
    while (this.final < q) this.advance(this.final, null, source); // catch up on skipped (known) pixels
    return this.advance(q, channel, source) as tf.Tensor2D;
  }

  /** The reader of these device images (one per sampling run). */
  private deviceSource(images: DeviceImages): DeviceSource {
    if (!this.device || this.device.images !== images) {
      this.device?.dispose();
      this.device = new DeviceSource(images, this.model.config.output === 'binary', this.r);
    }
    return this.device;
  }

  /**
   * The network at pixel p from the current sub-pixels; with a channel, returns its logits [B, K]. The pass
   * for the last channel (or a catch-up pass, channel null) stores the pixel in the caches.
   */
  private advance(p: number, channel: number | null, source: PixelSource): tf.Tensor | undefined {
    const i = Math.floor(p / this.W);
    const j = p % this.W;
    const final = channel === null || channel === this.C - 1;
    if (this.row !== i) {
      this.row = i;
      this.cache.beginRow(i);
      this.own.freeAll(this.firstCondCols);
      this.firstCondCols = this.firstCond ? rowColumns(this.firstCond, i).map((t) => this.own.keep(t)) : null;
    }
    if (this.nbPixel !== p) {
      this.nbPixel = p;
      this.own.free(this.nb0);
      this.nb0 = this.own.keep(this.firstNeighbours(i, j, source));
      this.cache.neighbours(i, j);
    }
    const result = tf.tidy((): tf.Tensor | undefined => {
      let z = mm(source.centre(i, j), this.w0Centre, this.nb0); // first layer: 7×7 mask A at (i, j)
      let skipSum: tf.Tensor2D | null = null;
      for (let l = 0; l < this.model.layers.length; l++) {
        const layer = this.model.layers[l]!;
        const y = this.cache.core(l, i, j, z, final);
        const o = mm(y, this.outW[l]!, layer.out.b);
        z = this.model.config.residual ? (tf.add(z, o) as tf.Tensor2D) : o;
        const sw = this.skipW[l];
        if (sw) {
          const s = mm(z, sw, layer.skip!.b);
          skipSum = skipSum ? (tf.add(skipSum, s) as tf.Tensor2D) : s;
        }
      }
      if (channel === null) return undefined;
      const h1 = mm(tf.relu(skipSum ?? z), this.head1, this.model.head1.b, true);
      return mm(h1, this.head2[channel]!, this.head2b[channel]);
    });
    if (final) this.final = p + 1;
    return result;
  }

  /** Normalised sub-pixels of pixel (i, j): [B, C]. */
  private centreInput(i: number, j: number, images: Uint8Array): tf.Tensor2D {
    const { B, C } = this;
    const per = this.H * this.W * C;
    const x = new Float32Array(B * C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) x[b * C + c] = this.norm[images[b * per + (i * this.W + j) * C + c]!]!;
    return tf.tensor2d(x, [B, C]);
  }

  /** The first layer at (i, j) without its centre tap: bias (+ cond) + the causal k×k patch times its taps. */
  private firstNeighbours(i: number, j: number, source: PixelSource): tf.Tensor2D {
    return tf.tidy(() => {
      const bias = this.firstCondCols ? tf.add(this.first.b!, this.firstCondCols[j]!) : this.first.b!;
      return mm(source.patch(i, j), this.w0Nb, bias);
    });
  }

  /**
   * The causal k×k patch above and to the left of (i, j) (zero outside the image, as the 'same' padding of
   * the normalised input), gathered on the CPU from the images in the order of `causalTaps`: [B, taps·C].
   */
  private hostPatch(i: number, j: number, images: Uint8Array): tf.Tensor2D {
    const { B, C, H, W, r } = this;
    const k = 2 * r + 1;
    const taps = causalTaps(k);
    const n = taps.length * C;
    const per = H * W * C;
    const patch = new Float32Array(B * n);
    for (let b = 0; b < B; b++) {
      let o = b * n;
      for (const [y, x] of taps) {
        const ii = i + y - r;
        const jj = j + x - r;
        const inside = ii >= 0 && jj >= 0 && jj < W; // ii ≤ i < H always
        for (let c = 0; c < C; c++, o++) patch[o] = inside ? this.norm[images[b * per + (ii * W + jj) * C + c]!]! : 0;
      }
    }
    return tf.tensor2d(patch, [B, n]);
  }

  dispose(): void {
    this.device?.dispose();
    this.cache?.dispose();
    this.own.dispose();
  }
}
