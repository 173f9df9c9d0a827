/**
 * Masks of the paper (SPEC.md §2) as plain arrays, so they can be checked by hand and built anywhere.
 *
 * Features are split into colour groups R, G, B (or a single group for one-channel images). Spatially a
 * masked kh × kw kernel sees the rows above the centre and, in the centre row, the columns to the left.
 * At the centre tap, mask A connects input group g_in to output group g_out only if g_in < g_out; mask B
 * if g_in ≤ g_out.
 */

export type MaskType = 'A' | 'B';

/**
 * Group of each of `count` features when split into `groups` consecutive, near-equal parts.
 * An input image with C = groups channels gets group c for channel c; F features get consecutive thirds.
 */
export function channelGroups(count: number, groups: number): Int32Array {
  const out = new Int32Array(count);
  for (let c = 0; c < count; c++) out[c] = Math.floor((c * groups) / count);
  return out;
}

/** Groups of a gate stack: `blocks` consecutive blocks of `size` features, each split into groups. */
export function gateGroups(size: number, blocks: number, groups: number): Int32Array {
  const one = channelGroups(size, groups);
  const out = new Int32Array(size * blocks);
  for (let b = 0; b < blocks; b++) out.set(one, b * size);
  return out;
}

/**
 * A kh × kw × cin × cout mask (tfjs HWIO layout), 1 where the weight may be non-zero.
 * `inGroups`/`outGroups` give the colour group of every input and output feature.
 */
export function convMask(
  kh: number,
  kw: number,
  inGroups: Int32Array,
  outGroups: Int32Array,
  type: MaskType,
): Float32Array {
  const cin = inGroups.length;
  const cout = outGroups.length;
  const m = new Float32Array(kh * kw * cin * cout);
  const ch = Math.floor(kh / 2);
  const cw = Math.floor(kw / 2);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          let on: boolean;
          if (y < ch) on = true; // rows above: always visible
          else if (y > ch) on = false; // rows below: never
          else if (x < cw) on = true; // centre row, left of centre
          else if (x > cw) on = false; // centre row, right of centre
          else on = type === 'A' ? inGroups[i]! < outGroups[o]! : inGroups[i]! <= outGroups[o]!;
          m[((y * kw + x) * cin + i) * cout + o] = on ? 1 : 0;
        }
      }
    }
  }
  return m;
}
