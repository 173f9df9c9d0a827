/**
 * Stochastic binarisation of grey images, as in the binarised-MNIST literature: each pixel becomes 1 with
 * probability grey / 255. Drawn afresh every epoch for training ("dynamic"), drawn once with a fixed seed
 * for validation and test so their NLLs are comparable across runs.
 */

import type { Rng } from '../random';

/**
 * One Bernoulli(grey / 255) draw per value, in array order: 1 where u < grey / 255, u ~ U[0, 1) from `rng`.
 * Grey 0 therefore always gives 0 and grey 255 always gives 1. Advances `rng` by exactly `grey.length`.
 */
export function binarize(grey: Uint8Array, rng: Rng): Uint8Array {
  const out = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) {
    // u < g / 255  ⇔  255·u < g (avoids a division per pixel).
    out[i] = rng.next() * 255 < grey[i]! ? 1 : 0;
  }
  return out;
}
