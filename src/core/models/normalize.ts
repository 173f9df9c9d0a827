import * as tf from '@tensorflow/tfjs';

/** Inputs "scaled and centred" (SPEC.md §4): {0,1} → {−1,1} for binary images, 0..255 → [−1,1] otherwise. */
export function normalizeInput(x: tf.Tensor4D, binary: boolean): tf.Tensor4D {
  return tf.tidy(() => (binary ? tf.sub(tf.mul(x, 2), 1) : tf.sub(tf.div(x, 127.5), 1)));
}
