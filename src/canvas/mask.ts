/**
 * The occlusion mask of the inpainting tab: one byte per pixel, 1 = hidden (to be sampled), 0 = visible.
 * Pure operations that return a new mask, so undo is a stack of masks.
 */

export interface MaskSize {
  height: number;
  width: number;
}

/** A round brush of `radius` pixels (radius 0 paints one pixel) at (row, col); value 1 hides, 0 reveals. */
export function paintBrush(mask: Uint8Array, size: MaskSize, row: number, col: number, radius: number, value: 0 | 1): Uint8Array {
  const out = mask.slice();
  const r = Math.max(0, radius);
  for (let y = Math.floor(row - r); y <= Math.ceil(row + r); y++) {
    for (let x = Math.floor(col - r); x <= Math.ceil(col + r); x++) {
      if (y < 0 || x < 0 || y >= size.height || x >= size.width) continue;
      if ((y - row) ** 2 + (x - col) ** 2 <= r * r + 0.25) out[y * size.width + x] = value;
    }
  }
  return out;
}

/** A stroke from one pointer position to the next: stamps the brush along the segment. */
export function paintLine(mask: Uint8Array, size: MaskSize, from: { row: number; col: number }, to: { row: number; col: number }, radius: number, value: 0 | 1): Uint8Array {
  const steps = Math.max(1, Math.ceil(Math.hypot(to.row - from.row, to.col - from.col) * 2));
  let out = mask;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    out = paintBrush(out, size, from.row + (to.row - from.row) * t, from.col + (to.col - from.col) * t, radius, value);
  }
  return out;
}

/** Fills the rectangle spanned by two corners (inclusive). */
export function fillRect(mask: Uint8Array, size: MaskSize, a: { row: number; col: number }, b: { row: number; col: number }, value: 0 | 1): Uint8Array {
  const out = mask.slice();
  const r0 = clamp(Math.min(a.row, b.row), size.height);
  const r1 = clamp(Math.max(a.row, b.row), size.height);
  const c0 = clamp(Math.min(a.col, b.col), size.width);
  const c1 = clamp(Math.max(a.col, b.col), size.width);
  for (let y = r0; y <= r1; y++) for (let x = c0; x <= c1; x++) out[y * size.width + x] = value;
  return out;
}

/** The paper's completions: the bottom half hidden. */
export function bottomHalf(size: MaskSize): Uint8Array {
  const out = new Uint8Array(size.height * size.width);
  out.fill(1, Math.floor(size.height / 2) * size.width);
  return out;
}

/** The core's known-pixel mask: per sub-pixel, 1 = known (kept exactly), from the per-pixel hidden mask. */
export function knownMask(hidden: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(hidden.length * channels);
  for (let p = 0; p < hidden.length; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = hidden[p] ? 0 : 1;
  return out;
}

export function hiddenCount(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v ? 1 : 0;
  return n;
}

function clamp(v: number, n: number): number {
  return Math.max(0, Math.min(n - 1, Math.round(v)));
}
