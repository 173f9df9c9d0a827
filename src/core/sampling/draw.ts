/**
 * Drawing one sub-pixel value from a model's logits with a given uniform number u ∈ [0,1).
 * Both samplers (naive and cached) go through these functions with the same u, so with the same logits
 * they make exactly the same draws.
 */

/** Inverse-CDF draw from softmax(logits / temperature) over 256 values; temperature 0 takes the argmax. */
export function drawCategorical(logits: ArrayLike<number>, offset: number, k: number, temperature: number, u: number): number {
  if (temperature <= 0) {
    let best = 0;
    for (let v = 1; v < k; v++) if (logits[offset + v]! > logits[offset + best]!) best = v;
    return best;
  }
  let max = -Infinity;
  for (let v = 0; v < k; v++) max = Math.max(max, logits[offset + v]!);
  let total = 0;
  const p = new Float64Array(k);
  for (let v = 0; v < k; v++) total += p[v] = Math.exp((logits[offset + v]! - max) / temperature);
  const target = u * total;
  let acc = 0;
  for (let v = 0; v < k; v++) {
    acc += p[v]!;
    if (target < acc) return v;
  }
  return k - 1;
}

/** Draw of a binary sub-pixel: 1 with probability sigmoid(logit / temperature). */
export function drawBinary(logit: number, temperature: number, u: number): number {
  if (temperature <= 0) return logit > 0 ? 1 : 0;
  return u < 1 / (1 + Math.exp(-logit / temperature)) ? 1 : 0;
}

/** Probabilities of the 256 values (or of 0 and 1) for a sub-pixel, e.g. for the pixel inspector. */
export function probabilities(logits: ArrayLike<number>, offset: number, k: number, temperature = 1): Float64Array {
  if (k === 1) {
    const p1 = 1 / (1 + Math.exp(-logits[offset]! / temperature));
    return Float64Array.from([1 - p1, p1]);
  }
  let max = -Infinity;
  for (let v = 0; v < k; v++) max = Math.max(max, logits[offset + v]!);
  const p = new Float64Array(k);
  let total = 0;
  for (let v = 0; v < k; v++) total += p[v] = Math.exp((logits[offset + v]! - max) / temperature);
  for (let v = 0; v < k; v++) p[v]! /= total;
  return p;
}

/** log p(v) at temperature 1, for reporting the likelihood of what was drawn. */
export function logProbOf(logits: ArrayLike<number>, offset: number, k: number, v: number): number {
  if (k === 1) {
    const l = logits[offset]!;
    const x = v === 1 ? l : -l; // log σ(x) = −softplus(−x)
    return -(Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
  }
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, logits[offset + i]!);
  let total = 0;
  for (let i = 0; i < k; i++) total += Math.exp(logits[offset + i]! - max);
  return logits[offset + v]! - max - Math.log(total);
}
