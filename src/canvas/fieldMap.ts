/**
 * The receptive-field heatmap (the explorer's panels): per pixel, the largest gradient magnitude of its earlier
 * sub-pixels, on a log scale in the surprise map's palette (./surprise.ts). Pure: no DOM.
 *
 * Gradients span many orders of magnitude, so the scale is logarithmic, DECADES decades down from the largest;
 * smaller non-zero values take its lowest colour. Exact zeros (pixels the sub-pixel cannot depend on: the
 * blind spot, the parts a Row LSTM misses) are grey, not a colour of the scale, and pixels after the sub-pixel
 * (not drawn yet when it is) are left blank (transparent).
 */
import { paletteColour } from './surprise';

/** How many powers of ten the scale spans below its top. */
export const DECADES = 5;
/** An exact zero: an earlier pixel that cannot influence the sub-pixel. */
export const ZERO_COLOUR: readonly [number, number, number] = [128, 128, 128];

export interface FieldScale {
  /** The largest magnitude among the earlier pixels (the top of the scale), 0 when all are zero. */
  max: number;
  /** The bottom of the scale: max / 10^DECADES. */
  min: number;
}

/** Pixels before (row, col) in raster order, and (row, col) itself when an earlier colour of it was given. */
export function isEarlierPixel(p: number, width: number, at: { row: number; col: number; channel: number }): boolean {
  const q = at.row * width + at.col;
  return p < q || (p === q && at.channel > 0);
}

/** The scale of one field: its largest earlier per-pixel magnitude, and DECADES decades below it. */
export function fieldScale(perPixel: ArrayLike<number>, width: number, at: { row: number; col: number; channel: number }): FieldScale {
  let max = 0;
  for (let p = 0; p < perPixel.length; p++) if (isEarlierPixel(p, width, at)) max = Math.max(max, perPixel[p]!);
  return { max, min: max / 10 ** DECADES };
}

/** Where a magnitude sits on the log scale: 0 (bottom, or below it) … 1 (top). */
export function fieldPosition(v: number, scale: FieldScale): number {
  if (!(v > 0) || !(scale.max > 0)) return 0;
  return Math.min(1, Math.max(0, Math.log10(v / scale.min) / DECADES));
}

/** The colour of a magnitude: grey for an exact zero, else its place on the log scale. */
export function fieldColour(v: number, scale: FieldScale): [number, number, number] {
  return v === 0 ? [...ZERO_COLOUR] : paletteColour(fieldPosition(v, scale));
}

/** RGBA [H·W·4] of a field's per-pixel magnitudes [H·W]: later pixels transparent, zeros grey, the rest coloured. */
export function fieldRGBA(perPixel: ArrayLike<number>, width: number, at: { row: number; col: number; channel: number }, scale = fieldScale(perPixel, width, at)): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(perPixel.length * 4);
  for (let p = 0; p < perPixel.length; p++) {
    if (!isEarlierPixel(p, width, at)) continue; // blank: alpha 0
    out.set(fieldColour(perPixel[p]!, scale), p * 4);
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Labels of the scale from its bottom to its top, one per decade: "1e-5" … */
export function fieldTicks(scale: FieldScale): number[] {
  if (!(scale.max > 0)) return [];
  return Array.from({ length: DECADES + 1 }, (_, i) => scale.min * 10 ** i);
}

/** "3.2e-4" for a gradient magnitude shown to a person. */
export function formatMagnitude(v: number): string {
  if (v === 0) return '0';
  return v.toExponential(1).replace('e+', 'e');
}

/**
 * One input colour's magnitudes per pixel [H·W] from a field [H·W·C] (`channel` 0…C−1), or the largest of each
 * pixel's colours (`channel` null). Sub-pixels at or after the differentiated one count as zero.
 */
export function fieldPerPixel(magnitude: ArrayLike<number>, channels: number, channel: number | null): Float32Array {
  const n = magnitude.length / channels;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (channel !== null) out[p] = magnitude[p * channels + channel]!;
    else {
      let m = 0;
      for (let c = 0; c < channels; c++) m = Math.max(m, magnitude[p * channels + c]!);
      out[p] = m;
    }
  }
  return out;
}
