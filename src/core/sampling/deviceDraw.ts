import * as tf from '@tensorflow/tfjs';

/**
 * The draw of draw.ts done on the device: one sub-pixel for the whole batch from logits that never leave
 * it. Every sampler that draws on the device (deviceLoop.ts: cached and naive) goes through this function
 * with the same uniforms, so with the same logits they make exactly the same draws.
 *
 * The same inverse-CDF rule as `drawCategorical`, in float32: with e_v = exp((l_v − max)/T) and
 * S_v = e_0 + … + e_v, the value is the first v with u·S_{K−1} < S_v, i.e. the number of v with
 * S_v ≤ u·S_{K−1}, capped at K − 1. The cap matters: a cumulative sum computed in parallel (tfjs-webgpu's
 * scan) need not end exactly at its own last element's neighbours, and u rounded to float32 may be the
 * largest float below 1, so the count could otherwise reach K. Two backends (or this and the float64 CPU
 * draw) can disagree only where u·S_{K−1} lies within rounding of some S_v: a tie in float error.
 */

/** The largest float32 below 1: uniforms are stored as float32 and must stay < 1 (see `float32Uniform`). */
export const BELOW_ONE = 1 - 2 ** -24;

/** A uniform of the seeded stream (float64 in [0, 1)) as the float32 the device draws with: in [0, 1). */
export function float32Uniform(u: number): number {
  return Math.min(Math.fround(u), BELOW_ONE);
}

export interface DeviceDraw {
  /** The drawn values [B, 1] (float32, exact integers 0…K−1, or 0/1 for binary). */
  value: tf.Tensor2D;
  /** log p(value) at temperature 1 [B, 1], as `logProbOf`, for the likelihood of what was drawn. */
  logProb: tf.Tensor2D;
}

/**
 * Draws one sub-pixel per image from logits [B, K] (K = 256) or [B, 1] (binary: the logit of a 1) with
 * uniforms u [B, 1] at a temperature (0: the most likely value). Returns new tensors; disposes nothing.
 */
export function drawOnDevice(logits: tf.Tensor2D, u: tf.Tensor2D, temperature: number): DeviceDraw {
  return tf.tidy(() => {
    const K = logits.shape[1];
    if (K === 1) {
      // 1 with probability σ(l/T): u < σ(l/T). Temperature 0: the more likely value (l > 0).
      const value = (temperature <= 0 ? tf.greater(logits, 0) : tf.less(u, tf.sigmoid(tf.div(logits, temperature)))).toFloat() as tf.Tensor2D; // [B,1]
      const x = tf.sub(tf.mul(value, 2), 1).mul(logits); // log σ(x) with x = l for a 1, −l for a 0
      const logProb = tf.neg(tf.softplus(tf.neg(x))) as tf.Tensor2D; // [B,1]
      return { value, logProb };
    }
    let value: tf.Tensor2D;
    if (temperature <= 0) {
      value = tf.argMax(logits, 1).toFloat().reshape([-1, 1]) as tf.Tensor2D; // [B,1]
    } else {
      // 1) e_v = exp((l_v − max) / T), as drawCategorical (no normalisation: the total is S_{K−1}).
      const e = tf.exp(tf.div(tf.sub(logits, tf.max(logits, 1, true)), temperature)); // [B,K]
      // 2) S_v, and the target u · S_{K−1}.
      const cdf = tf.cumsum(e, 1); // [B,K]
      const target = tf.mul(u, cdf.slice([0, K - 1], [-1, 1])); // [B,1]
      // 3) value = #{v : S_v ≤ target}, capped at K − 1.
      const count = tf.sum(tf.lessEqual(cdf, target).toFloat(), 1, true); // [B,1]
      value = tf.minimum(count, K - 1) as tf.Tensor2D;
    }
    // log p(value) = logSoftmax(l)[value], picked by a one-hot of the value.
    const pick = tf.equal(tf.range(0, K, 1, 'float32').reshape([1, K]), value).toFloat(); // [B,K]
    const logProb = tf.sum(tf.mul(pick, tf.logSoftmax(logits, 1)), 1, true) as tf.Tensor2D; // [B,1]
    return { value, logProb };
  });
}
