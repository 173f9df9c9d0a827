import * as tf from '@tensorflow/tfjs';

/**
 * Skew of the Diagonal BiLSTM (SPEC.md §3): row r shifted right by r, [B,H,W,C] → [B,H,W+H−1,C], so that
 * every diagonal of the image becomes a column. Done with one pad and two reshapes instead of H slices:
 * rows padded to length L = W+H and laid end to end, then read back with row length L−1, put pixel
 * (r, j) at r·L + j = r·(L−1) + (j + r), i.e. at skewed column j + r.
 */
export function skew(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const l = w + h;
    const flat = tf.pad(x, [[0, 0], [0, 0], [0, h], [0, 0]]).reshape([b, h * l, c]); // [B, H·L, C]
    return flat.slice([0, 0, 0], [b, h * (l - 1), c]).reshape([b, h, l - 1, c]) as tf.Tensor4D;
  });
}

/** Inverse of `skew`: [B,H,W+H−1,C] → [B,H,W,C]. */
export function unskew(x: tf.Tensor4D, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, ls, c] = x.shape;
    const flat = tf.pad(x.reshape([b, h * ls, c]), [[0, 0], [0, h], [0, 0]]); // [B, H·(L'+1), C]
    return flat.reshape([b, h, ls + 1, c]).slice([0, 0, 0, 0], [b, h, width, c]) as tf.Tensor4D;
  });
}
