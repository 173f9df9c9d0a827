import { categories } from '../../models/config';
import type { MaskedConv } from '../../layers/maskedConv';
import { ConvBlock, type PixelModel } from '../../models/pixelModel';
import { causalTaps } from '../cached/common';

/**
 * A PixelCNN's logits of one sub-pixel, in plain JavaScript (Float64Array, no tfjs): the codec's fast and
 * portable path (src/core/codec/codec.ts, family "js").
 *
 * What it computes. The same network as PixelModel.logits (7×7 mask-A first layer, residual conv blocks
 * 2h → ReLU → 1×1 → h → ReLU → 3×3 mask B → ReLU → 1×1 → 2h, skips, ReLU → 1×1 → ReLU → 1×1 head), at one
 * position and for one colour group at a time, in double precision. It agrees with tfjs's float32 logits
 * to float tolerance (test/sampling/jsPixelcnn.test.ts).
 *
 * Why it is fast. Like the cached sampler (../cached.ts), each step computes only what the new sub-pixel
 * changes: every map at a position p depends on the sub-pixels before p in raster order and, at p, on the
 * earlier colours only. Going further, at p a feature of colour group g (every map is split into groups
 * R, G, B by the masks) depends only on the centre's colours < g. So the step of channel c computes, in
 * every map, the features of group c alone, reusing groups < c from the earlier steps of the pixel: one
 * whole pass of the network per pixel, split over its three steps, plus the terms that read neighbouring
 * positions (the first layer's 24 causal taps, each block's 4 non-centre 3×3 taps), once per pixel. The
 * masked products run over the prefix of inputs the mask keeps; ReLU zeros are skipped. No tfjs op per
 * step means no per-op overhead, which dominated the tfjs path at batch 1.
 *
 * Why it is portable. Weights are read once from the model's variables (float32, exact on every backend)
 * and the mask applied here; the input normalisation is computed here too. Everything after is IEEE 754
 * double arithmetic (+, ×, comparisons) in a fixed order, which JavaScript fixes to the last bit on every
 * engine: the same file decodes identically in any browser and in Node, whatever tfjs backend is loaded.
 * The order of the operations is therefore part of the file format: files of family "js" decode only with
 * this exact arithmetic. A change that reorders any sum (another unrolling in `axpy`, another tap order,
 * skipping other zeros) must come with a new family code in ../../codec/format.ts, keeping this one for
 * the files already written (test/codec/jsEngine.test.ts checks a CRC of the logits of two stored files).
 */

/** A masked convolution read out of tfjs: effective kernel W ⊙ M [kh, kw, cin, cout] (float32) and bias (float64). */
interface Dense {
  /** Float32 (the model's own values, exact in double): half the memory traffic of float64. */
  w: Float32Array;
  b: Float64Array;
  cin: number;
  cout: number;
  kw: number;
  /** Per output colour group g: its features [start, end). */
  out: Array<[number, number]>;
  /** Per output group g: the centre tap's inputs that may reach it are in [0, inEnd[g]) (masks keep a prefix). */
  inEnd: number[];
}

/** The weights of a PixelCNN for the JavaScript evaluator, read once per model (see `pixelCnnWeights`). */
export interface PixelCnnWeights {
  height: number;
  width: number;
  channels: number;
  /** Logits per sub-pixel: 256, or 1 for binary models. */
  K: number;
  binary: boolean;
  residual: boolean;
  firstKernel: number;
  hidden: number;
  headWidth: number;
  first: Dense;
  layers: Array<{ down: Dense; conv: Dense; out: Dense; skip: Dense | null }>;
  head1: Dense;
  head2: Dense;
}

/** Whether the JavaScript evaluator can run this model (a PixelCNN without conditioning). */
export function jsSupports(model: PixelModel): boolean {
  const c = model.config;
  return c.arch === 'pixelcnn' && !c.condition && !c.classes && !model.gated && !!model.first && model.layers.every((l) => l.core instanceof ConvBlock);
}

/** Reads the weights (asynchronously: fine on GPU backends). */
export async function pixelCnnWeights(model: PixelModel): Promise<PixelCnnWeights> {
  if (!jsSupports(model)) throw new Error(`The JavaScript evaluator runs unconditional PixelCNNs only, not this ${model.config.arch} model`);
  const cfg = model.config;
  const layers = [];
  for (const l of model.layers) {
    const core = l.core as ConvBlock;
    layers.push({ down: await dense(core.down), conv: await dense(core.conv), out: await dense(l.out), skip: l.skip ? await dense(l.skip) : null });
  }
  const w: PixelCnnWeights = {
    height: cfg.height,
    width: cfg.width,
    channels: cfg.channels,
    K: categories(cfg) === 2 ? 1 : 256,
    binary: cfg.output === 'binary',
    residual: cfg.residual,
    firstKernel: cfg.firstKernel,
    hidden: cfg.hidden,
    headWidth: cfg.headWidth,
    first: await dense(model.first!),
    layers,
    head1: await dense(model.head1),
    head2: await dense(model.head2),
  };
  if (w.head2.cout !== w.channels * w.K) throw new Error(`head2 has ${w.head2.cout} outputs, expected ${w.channels * w.K}`);
  return w;
}

async function dense(conv: MaskedConv): Promise<Dense> {
  const { kw, inGroups, outGroups, mask } = conv.spec;
  const cin = inGroups.length;
  const cout = outGroups.length;
  const raw = (await conv.w.data()) as Float32Array;
  const m = conv.mask ? ((await conv.mask.data()) as Float32Array) : null;
  const w = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) w[i] = m ? raw[i]! * m[i]! : raw[i]!; // × 1 or × 0: exact
  const b = new Float64Array(cout);
  if (conv.b) b.set((await conv.b.data()) as Float32Array);
  const groups = Math.max(...outGroups) + 1;
  const out: Array<[number, number]> = [];
  const inEnd: number[] = [];
  for (let g = 0; g < groups; g++) {
    const start = outGroups.indexOf(g);
    const end = outGroups.lastIndexOf(g) + 1;
    for (let o = start; o < end; o++) if (outGroups[o] !== g) throw new Error(`${conv.spec.name}: colour group ${g} is not contiguous`);
    out.push([start, end]);
    let e = 0;
    for (let i = 0; i < cin; i++) if (mask === 'none' || (mask === 'A' ? inGroups[i]! < g : inGroups[i]! <= g)) e = i + 1;
    inEnd.push(e);
  }
  return { w, b, cin, cout, kw, out, inEnd };
}

/** The non-zero inputs of a product and the offsets of their weight rows (see `gather`); grown on demand. */
let VALS = new Float64Array(256);
let ROWS = new Int32Array(256);

/**
 * Appends the non-zero values of f(x[xo + i]), i < n (f = ReLU when `relu`, else identity), with the offset
 * wo + i·cout of their weight rows, to VALS/ROWS after the first m; returns the new count. Zeros are
 * skipped: they add nothing.
 */
function gather(x: Float64Array | ArrayLike<number>, xo: number, n: number, relu: boolean, wo: number, cout: number, m = 0): number {
  if (VALS.length < m + n) {
    const v = new Float64Array(2 * (m + n));
    const r = new Int32Array(2 * (m + n));
    v.set(VALS.subarray(0, m));
    r.set(ROWS.subarray(0, m));
    VALS = v;
    ROWS = r;
  }
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    if (v > 0 || (!relu && v !== 0)) {
      VALS[m] = v;
      ROWS[m++] = wo + i * cout;
    }
  }
  return m;
}

/**
 * y[shift + o] += Σ_k VALS[k] · w[ROWS[k] + o] for o in [o0, o1), over the m gathered inputs, four rows at a
 * time ((a + b) + (c + d) added to y): a fixed order, so a fixed result, and a quarter of the loads and
 * stores of y.
 */
function axpy(y: Float64Array, shift: number, o0: number, o1: number, m: number, w: Float32Array): void {
  let k = 0;
  for (; k + 8 <= m; k += 8) {
    const v0 = VALS[k]!;
    const v1 = VALS[k + 1]!;
    const v2 = VALS[k + 2]!;
    const v3 = VALS[k + 3]!;
    const v4 = VALS[k + 4]!;
    const v5 = VALS[k + 5]!;
    const v6 = VALS[k + 6]!;
    const v7 = VALS[k + 7]!;
    const r0 = ROWS[k]!;
    const r1 = ROWS[k + 1]!;
    const r2 = ROWS[k + 2]!;
    const r3 = ROWS[k + 3]!;
    const r4 = ROWS[k + 4]!;
    const r5 = ROWS[k + 5]!;
    const r6 = ROWS[k + 6]!;
    const r7 = ROWS[k + 7]!;
    for (let o = o0; o < o1; o++)
      y[shift + o] += v0 * w[r0 + o]! + v1 * w[r1 + o]! + (v2 * w[r2 + o]! + v3 * w[r3 + o]!) + (v4 * w[r4 + o]! + v5 * w[r5 + o]! + (v6 * w[r6 + o]! + v7 * w[r7 + o]!));
  }
  for (; k + 4 <= m; k += 4) {
    const v0 = VALS[k]!;
    const v1 = VALS[k + 1]!;
    const v2 = VALS[k + 2]!;
    const v3 = VALS[k + 3]!;
    const r0 = ROWS[k]!;
    const r1 = ROWS[k + 1]!;
    const r2 = ROWS[k + 2]!;
    const r3 = ROWS[k + 3]!;
    for (let o = o0; o < o1; o++) y[shift + o] += v0 * w[r0 + o]! + v1 * w[r1 + o]! + (v2 * w[r2 + o]! + v3 * w[r3 + o]!);
  }
  for (; k < m; k++) {
    const v = VALS[k]!;
    const r = ROWS[k]!;
    for (let o = o0; o < o1; o++) y[shift + o] += v * w[r + o]!;
  }
}

/**
 * y[yo + o − o0] = bias[o] + Σ_{i < n} f(x[xo + i]) · w[wo + i·cout + o] for o in [o0, o1) (f = ReLU when
 * `relu`, else identity).
 */
function affine(
  y: Float64Array,
  yo: number,
  o0: number,
  o1: number,
  bias: Float64Array | null,
  x: Float64Array,
  xo: number,
  n: number,
  w: Float32Array,
  wo: number,
  cout: number,
  relu: boolean,
): void {
  const shift = yo - o0;
  if (bias) for (let o = o0; o < o1; o++) y[shift + o] = bias[o]!;
  else for (let o = o0; o < o1; o++) y[shift + o] = 0;
  axpy(y, shift, o0, o1, gather(x, xo, n, relu, wo, cout), w);
}

/**
 * One image's evaluator: call `logitsAt` for its sub-pixels in raster × RGB order (steps may be skipped;
 * they are caught up from the image, as the cached sampler does). Not reusable for another image.
 */
export class PixelCnnEvaluator {
  private readonly norm: Float64Array;
  /** Each block's ReLU(down(ReLU(z))) of every final position [H·W·h]: what the 3×3 convolution reads. */
  private readonly ra: Float64Array[];
  /** Input of layer l at the current pixel (l = 0: the first layer's output) [L + 1][2h]. */
  private readonly z: Float64Array[];
  /** ReLU of each block's 3×3 convolution at the current pixel [L][h]. */
  private readonly y: Float64Array[];
  private readonly skipSum: Float64Array;
  private readonly tmp: Float64Array;
  private readonly h1: Float64Array;
  private readonly nb0: Float64Array;
  private readonly nb: Float64Array[];
  private readonly patch: Float64Array;
  private readonly centre: Float64Array;
  private readonly taps: Array<[number, number]>;
  private readonly taps3 = causalTaps(3);
  /** Current pixel (raster index) and how many of its colour groups are computed. */
  private pixel = 0;
  private groupsDone = 0;
  /** How many colour groups of the head's first layer are computed at the current pixel. */
  private headDone = 0;

  constructor(private readonly w: PixelCnnWeights) {
    const { hidden: h, height: H, width: W, headWidth, layers } = w;
    this.norm = Float64Array.from({ length: 256 }, (_, v) => (w.binary ? v * 2 - 1 : v / 127.5 - 1));
    this.ra = layers.map(() => new Float64Array(H * W * h));
    this.z = Array.from({ length: layers.length + 1 }, () => new Float64Array(2 * h));
    this.y = layers.map(() => new Float64Array(h));
    this.nb = layers.map(() => new Float64Array(h));
    this.skipSum = new Float64Array(2 * h);
    this.tmp = new Float64Array(Math.max(2 * h, w.K));
    this.h1 = new Float64Array(headWidth);
    this.nb0 = new Float64Array(2 * h);
    this.taps = causalTaps(w.firstKernel);
    this.patch = new Float64Array(this.taps.length * w.channels);
    this.centre = new Float64Array(w.channels);
  }

  /**
   * The logits of sub-pixel (row, col, channel) given `image` [H·W·C] (raw values; every sub-pixel before it
   * final, later ones ignored), into `out` (K values, from `offset`).
   */
  logitsAt(row: number, col: number, channel: number, image: Uint8Array, out: Float64Array, offset = 0): void {
    const { width: W, channels: C } = this.w;
    const p = row * W + col;
    if (p < this.pixel || (p === this.pixel && channel < this.groupsDone - 1)) throw new Error('The JavaScript evaluator only moves forward in raster × colour order');
    while (this.pixel < p) {
      // Catch up on a pixel that was not asked for (all its sub-pixels known): its every group, no head.
      for (let g = this.groupsDone; g < C; g++) this.group(g, image);
      this.pixel++;
      this.groupsDone = 0;
      this.headDone = 0;
    }
    for (let g = this.groupsDone; g <= channel; g++) this.group(g, image);
    this.head(channel, out, offset);
    if (channel === C - 1) {
      this.pixel++;
      this.groupsDone = 0;
      this.headDone = 0;
    }
  }

  /** Colour group g of every map at the current pixel (g = 0 first computes the neighbour terms). */
  private group(g: number, image: Uint8Array): void {
    const w = this.w;
    const { hidden: h, width: W, channels: C } = w;
    const p = this.pixel;
    const i = Math.floor(p / W);
    const j = p % W;
    if (g === 0) this.neighbours(i, j, image);
    // The centre's known colours (< g reach group g through mask A).
    for (let c = 0; c < C; c++) this.centre[c] = c < g ? this.norm[image[p * C + c]!]! : 0;
    // First layer: 7×7 mask A at (i, j) = its neighbour terms + the centre tap.
    const f = w.first;
    const [a0, a1] = f.out[g]!;
    const centreTap = (w.firstKernel >> 1) * w.firstKernel + (w.firstKernel >> 1);
    affine(this.z[0]!, a0, a0, a1, this.nb0, this.centre, 0, f.inEnd[g]!, f.w, centreTap * C * f.cout, f.cout, false);
    for (let l = 0; l < w.layers.length; l++) {
      const { down, conv, out, skip } = w.layers[l]!;
      const z = this.z[l]!;
      const ra = this.ra[l]!;
      // ra = ReLU(down(ReLU(z))), group g; stored for the 3×3 convolutions of later pixels.
      const [d0, d1] = down.out[g]!;
      affine(ra, p * h + d0, d0, d1, down.b, z, 0, down.inEnd[g]!, down.w, 0, h, true);
      for (let o = d0; o < d1; o++) if (ra[p * h + o]! < 0) ra[p * h + o] = 0;
      // y = ReLU(3×3 mask B at (i, j)): neighbour terms + the centre tap (row 1, column 1).
      const [c0, c1] = conv.out[g]!;
      const yl = this.y[l]!;
      affine(yl, c0, c0, c1, this.nb[l]!, ra, p * h, conv.inEnd[g]!, conv.w, 4 * h * h, h, false);
      for (let o = c0; o < c1; o++) if (yl[o]! < 0) yl[o] = 0;
      // z' = z + out(y) (residual), group g.
      const [o0, o1] = out.out[g]!;
      const zn = this.z[l + 1]!;
      affine(zn, o0, o0, o1, out.b, yl, 0, out.inEnd[g]!, out.w, 0, 2 * h, false);
      if (w.residual) for (let o = o0; o < o1; o++) zn[o] = z[o]! + zn[o]!;
      if (skip) {
        const [s0, s1] = skip.out[g]!;
        affine(this.tmp, s0, s0, s1, skip.b, zn, 0, skip.inEnd[g]!, skip.w, 0, 2 * h, false);
        for (let o = s0; o < s1; o++) this.skipSum[o] = l === 0 ? this.tmp[o]! : this.skipSum[o]! + this.tmp[o]!;
      }
    }
    this.groupsDone = g + 1;
  }

  /** The head for channel c: ReLU → 1×1 → ReLU (group c of head1), then channel c's K logits. */
  private head(c: number, out: Float64Array, offset: number): void {
    const w = this.w;
    const u = w.layers.length && w.layers[0]!.skip ? this.skipSum : this.z[w.layers.length]!;
    for (let g = this.headDone; g <= c; g++) {
      // head1's groups < c too, if their channels were not asked for at this pixel (head2 reads them)
      const [h0, h1] = w.head1.out[g]!;
      affine(this.h1, h0, h0, h1, w.head1.b, u, 0, w.head1.inEnd[g]!, w.head1.w, 0, w.head1.cout, true);
      for (let o = h0; o < h1; o++) if (this.h1[o]! < 0) this.h1[o] = 0;
    }
    this.headDone = c + 1;
    const [k0, k1] = w.head2.out[c]!;
    affine(out, offset, k0, k1, w.head2.b, this.h1, 0, w.head2.inEnd[c]!, w.head2.w, 0, w.head2.cout, true);
  }

  /** The terms at (i, j) that read earlier positions only: the first layer's causal taps, each block's 4 taps. */
  private neighbours(i: number, j: number, image: Uint8Array): void {
    const w = this.w;
    const { width: W, channels: C, hidden: h } = w;
    const k = w.firstKernel;
    const r = k >> 1;
    // First layer: the causal patch (zero outside the image), tap by tap, then C inputs, as one product.
    let m = 0;
    for (const [y, x] of this.taps) {
      const ii = i + y - r;
      const jj = j + x - r;
      if (ii >= 0 && jj >= 0 && jj < W) {
        for (let c = 0; c < C; c++) this.patch[c] = this.norm[image[(ii * W + jj) * C + c]!]!;
        m = gather(this.patch, 0, C, false, (y * k + x) * C * w.first.cout, w.first.cout, m);
      }
    }
    this.nb0.set(w.first.b);
    axpy(this.nb0, 0, 0, w.first.cout, m, w.first.w);
    // Each block's 3×3 mask B: the row above (j − 1 … j + 1) and the left neighbour, as one product.
    for (let l = 0; l < w.layers.length; l++) {
      const conv = w.layers[l]!.conv;
      const ra = this.ra[l]!;
      m = 0;
      for (const [y, x] of this.taps3) {
        const ii = i + y - 1;
        const jj = j + x - 1;
        if (ii >= 0 && jj >= 0 && jj < W) m = gather(ra, (ii * W + jj) * h, h, false, (y * 3 + x) * h * h, h, m);
      }
      this.nb[l]!.set(conv.b);
      axpy(this.nb[l]!, 0, 0, h, m, conv.w);
    }
  }
}
