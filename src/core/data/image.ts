/**
 * Decoded RGBA pixels (from a canvas, an ImageBitmap or a PNG decoder) → the model's uint8 input.
 * Pure arithmetic on arrays, so the page, a worker and the Node build script (Emoji-32) share one
 * implementation and produce the same bytes.
 *
 * Steps: 1) centre-crop to a square; 2) composite each source pixel over white (straight alpha), so
 * transparent areas read as white background; 3) resize with an area (box) filter: every output pixel is
 * the coverage-weighted mean of the source pixels under it, which for an exact 2× reduction is the 2×2
 * mean; 4) reduce to grey by Rec. 601 luma if one channel is asked for; 5) round to uint8;
 * 6) optionally binarise.
 */

import type { Rng } from '../random';
import { binarize } from './binarize';

export interface ToModelInputOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  /**
   * For binary models (1 channel only): `{ threshold: t }` gives 1 where grey ≥ t; `{ rng }` draws
   * Bernoulli(grey / 255), like the training data.
   */
  binarize?: { threshold: number } | { rng: Rng };
}

/** uint8 [height, width, channels] HWC from RGBA `rgba` of size `width`×`height` (row-major). */
export function toModelInput(
  rgba: Uint8ClampedArray | Uint8Array,
  srcWidth: number,
  srcHeight: number,
  options: ToModelInputOptions,
): Uint8Array {
  const { height, width, channels } = options;
  if (rgba.length !== srcWidth * srcHeight * 4) {
    throw new Error(`toModelInput: ${rgba.length} bytes is not ${srcWidth}×${srcHeight} RGBA`);
  }
  if (srcWidth < 1 || srcHeight < 1) throw new Error('toModelInput: empty image');
  if (options.binarize && channels !== 1) throw new Error('toModelInput: only 1-channel input can be binarised');

  // 1) Centre crop: the largest centred square.
  const side = Math.min(srcWidth, srcHeight);
  const x0 = Math.floor((srcWidth - side) / 2);
  const y0 = Math.floor((srcHeight - side) / 2);

  // 3) Area filter as separable weights: the source rows (cols) under output row (col) and their coverage.
  const rowsWeights = areaWeights(side, height);
  const colsWeights = areaWeights(side, width);

  const out = new Uint8Array(height * width * channels);
  const acc = new Float64Array(3);
  for (let oy = 0; oy < height; oy++) {
    const rows = rowsWeights[oy]!;
    for (let ox = 0; ox < width; ox++) {
      const cols = colsWeights[ox]!;
      acc.fill(0);
      for (const [sy, wy] of rows) {
        const rowBase = ((y0 + sy) * srcWidth + x0) * 4;
        for (const [sx, wx] of cols) {
          const p = rowBase + sx * 4;
          const wgt = wy * wx;
          // 2) Over white: c·α + 255·(1 − α).
          const a = rgba[p + 3]! / 255;
          const white = 255 * (1 - a);
          acc[0]! += wgt * (rgba[p]! * a + white);
          acc[1]! += wgt * (rgba[p + 1]! * a + white);
          acc[2]! += wgt * (rgba[p + 2]! * a + white);
        }
      }
      const o = (oy * width + ox) * channels;
      if (channels === 3) {
        out[o] = toByte(acc[0]!);
        out[o + 1] = toByte(acc[1]!);
        out[o + 2] = toByte(acc[2]!);
      } else {
        // 4) Rec. 601 luma, the usual RGB → grey (PIL's "L" mode).
        out[o] = toByte(0.299 * acc[0]! + 0.587 * acc[1]! + 0.114 * acc[2]!);
      }
    }
  }

  // 6) Binarise.
  const b = options.binarize;
  if (b === undefined) return out;
  if ('rng' in b) return binarize(out, b.rng);
  return out.map((g) => (g >= b.threshold ? 1 : 0));
}

/**
 * For each of `dst` output cells over `src` input cells (both spanning the same length), the input cells it
 * overlaps and the fraction of the output cell each covers (fractions sum to 1). Works for shrinking and
 * enlarging alike.
 */
function areaWeights(src: number, dst: number): Array<Array<[number, number]>> {
  const scale = src / dst;
  const result: Array<Array<[number, number]>> = [];
  for (let o = 0; o < dst; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const cells: Array<[number, number]> = [];
    for (let s = Math.floor(lo); s < Math.min(src, Math.ceil(hi)); s++) {
      const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
      if (overlap > 1e-12) cells.push([s, overlap / scale]);
    }
    result.push(cells);
  }
  return result;
}

/** Round half up and clamp: rounding once, at the end, keeps a 2×2 mean of equal pixels exact. */
function toByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}
