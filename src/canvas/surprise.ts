/**
 * The surprise map: bits per pixel (−log2 p summed over a pixel's colours, src/core/codec `bitsPerPixel`)
 * as a heatmap, its colour scale and the read-out of one pixel. Pure: no DOM.
 *
 * The scale is a square-root one: a few pixels (a first pixel, a sharp edge) can cost ten times what most
 * do, and on a linear scale everything else would be one dark colour. Its ticks are labelled in bits.
 */

/** Colour stops of the scale, from 0 bits (dark: expected) to the top of the scale (bright: surprising). */
export const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [13, 8, 135],
  [126, 3, 168],
  [204, 71, 120],
  [248, 149, 64],
  [240, 249, 33],
];

/** Where `bits` sits on the scale from 0 to `max` bits: 0…1, square root (values beyond are clamped). */
export function scalePosition(bits: number, max: number): number {
  return max > 0 ? Math.sqrt(Math.min(1, Math.max(0, bits / max))) : 0;
}

/** The colour of `bits` on the scale from 0 to `max` bits. */
export function heatColour(bits: number, max: number): [number, number, number] {
  return paletteColour(scalePosition(bits, max));
}

/** The palette's colour at position t (0…1) along STOPS: what every heatmap of the app colours with. */
export function paletteColour(t: number): [number, number, number] {
  t = Math.min(1, Math.max(0, t));
  const x = t * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/** The top of the scale: the largest pixel's bits rounded up to a round number (1, 2 or 5 × 10^k). */
export function scaleMax(perPixel: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < perPixel.length; i++) m = Math.max(m, perPixel[i]!);
  if (!(m > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(m));
  for (const k of [1, 2, 5, 10]) if (k * p >= m) return k * p;
  return 10 * p;
}

/** The bits at `n + 1` evenly spaced places along the scale, 0 to the top: its labels. */
export function scaleTicks(max: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => max * (i / n) ** 2);
}

/** RGBA [H·W·4] of the heatmap of bits per pixel [H·W]. */
export function surpriseRGBA(perPixel: ArrayLike<number>, max: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(perPixel.length * 4);
  for (let p = 0; p < perPixel.length; p++) {
    out.set(heatColour(perPixel[p]!, max), p * 4);
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** One pixel's bits per colour (R, G, B, or the single binary/grey one) and their sum. */
export function pixelBits(modelBits: ArrayLike<number>, width: number, channels: number, row: number, col: number): { channels: number[]; total: number } {
  const at = (row * width + col) * channels;
  const each = Array.from({ length: channels }, (_, c) => modelBits[at + c]!);
  return { channels: each, total: each.reduce((a, b) => a + b, 0) };
}

/** "1.23" for bits shown to a person: 2 decimals under 10, 1 under 100, none above. */
export function formatBits(bits: number): string {
  return bits < 10 ? bits.toFixed(2) : bits < 100 ? bits.toFixed(1) : bits.toFixed(0);
}
