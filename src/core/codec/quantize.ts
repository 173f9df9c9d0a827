import { M } from './rans';

/**
 * A sub-pixel's distribution as integer frequencies for the coder: k values, each frequency ≥ 1 (so any
 * value can be coded, however unlikely the model finds it), summing to exactly M = 2^16.
 *
 * Determinism. The encoder and the decoder must get the same table from the same logits, on any machine
 * and in any JavaScript engine. Math.exp is not specified to the last bit (engines may use different
 * libm), so the exponential here uses only +, −, ×, ÷ and Math.round, which IEEE 754 fixes exactly,
 * in a fixed order. Given bit-equal float32 logits, the table is therefore the same everywhere; whether
 * the logits are bit-equal is the backend's business (see codec.ts and the README).
 *
 * Procedure (softmax over 256 values):
 *   1. e_v = exp(l_v − max l) with `expNonPositive`; S = Σ e_v in index order;
 *   2. f_v = max(1, round(M · e_v / S));
 *   3. the difference M − Σ f_v (a few counts either way) goes to the most frequent value (lowest index
 *      on ties); it has at least M/256 counts, so it stays ≥ 1 (checked; a fallback that cannot fail,
 *      f_v = 1 + floor((M − 256) · e_v / S) plus the rest to the most frequent, is used otherwise).
 * Binary (one logit): f_1 = round(M · σ(l)) clamped to [1, M − 1], f_0 = M − f_1.
 */

const LN2_HI = 0.693147180369123816490; // ln 2 split so that k · LN2_HI is exact for |k| < 2^11
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
/** Below this, exp is < 1e-35 and cannot move a frequency of total 2^16: treated as 0. */
const EXP_FLOOR = -80;
/** 2^k for k = 0 … 120, built by exact halving. */
const POW2_NEG = (() => {
  const t = new Float64Array(121);
  t[0] = 1;
  for (let k = 1; k < t.length; k++) t[k] = t[k - 1]! / 2;
  return t;
})();

/**
 * e^x for x ≤ 0, from IEEE-exact operations only (Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, then a
 * degree-13 Taylor polynomial in Horner form): relative error below 1e-15, and bit-identical everywhere.
 */
export function expNonPositive(x: number): number {
  if (!(x <= 0)) throw new Error(`expNonPositive: ${x} is not ≤ 0`);
  if (x < EXP_FLOOR) return 0;
  const k = Math.round(x * INV_LN2); // −116 … 0
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1 / 6227020800; // 1/13!
  p = p * r + 1 / 479001600;
  p = p * r + 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  return p * POW2_NEG[-k]!;
}

/**
 * Cumulative frequencies of one sub-pixel into `cum` (length k + 1: cum[0] = 0, cum[k] = M; value v has
 * frequency cum[v + 1] − cum[v]). `logits` holds [B·K] values (K = 256) or [B] (binary); `offset` is the
 * first logit of this sub-pixel; `k` = 256 or 2.
 */
export function quantize(logits: ArrayLike<number>, offset: number, k: number, cum: Uint32Array, scratch: Float64Array = new Float64Array(k)): void {
  if (k === 2) return quantizeBinary(logits[offset]!, cum);
  let max = -Infinity;
  for (let v = 0; v < k; v++) max = Math.max(max, logits[offset + v]!);
  if (!Number.isFinite(max)) throw new Error(`The model gave a non-finite logit (${max}): cannot code this sub-pixel`);
  const e = scratch;
  let sum = 0;
  for (let v = 0; v < k; v++) {
    const l = logits[offset + v]!;
    if (Number.isNaN(l)) throw new Error('The model gave a NaN logit: cannot code this sub-pixel');
    sum += e[v] = expNonPositive(l - max);
  }
  const scale = M / sum;
  let total = 0;
  let top = 0;
  for (let v = 0; v < k; v++) {
    const f = Math.max(1, Math.floor(e[v]! * scale + 0.5));
    cum[v + 1] = f; // frequencies for now; made cumulative below
    total += f;
    if (f > cum[top + 1]!) top = v;
  }
  const fixed = cum[top + 1]! + (M - total);
  if (fixed >= 1) cum[top + 1] = fixed;
  else fallback(e, sum, k, cum);
  cum[0] = 0;
  for (let v = 0; v < k; v++) cum[v + 1]! += cum[v]!;
}

/** 1 + floor((M − k) · p_v) for every value, the rest to the most frequent: always valid. */
function fallback(e: Float64Array, sum: number, k: number, cum: Uint32Array): void {
  const scale = (M - k) / sum;
  let total = 0;
  let top = 0;
  for (let v = 0; v < k; v++) {
    const f = 1 + Math.floor(e[v]! * scale);
    cum[v + 1] = f;
    total += f;
    if (f > cum[top + 1]!) top = v;
  }
  cum[top + 1]! += M - total;
}

function quantizeBinary(logit: number, cum: Uint32Array): void {
  if (Number.isNaN(logit)) throw new Error('The model gave a NaN logit: cannot code this sub-pixel');
  // σ(l) without overflow: 1 / (1 + e^−l) for l ≥ 0, e^l / (1 + e^l) for l < 0.
  const p1 = logit >= 0 ? 1 / (1 + expNonPositive(-logit)) : expNonPositive(logit) / (1 + expNonPositive(logit));
  const f1 = Math.min(M - 1, Math.max(1, Math.floor(p1 * M + 0.5)));
  cum[0] = 0;
  cum[1] = M - f1;
  cum[2] = M;
}
