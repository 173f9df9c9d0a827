import * as tf from '@tensorflow/tfjs';

/**
 * The LSTM core shared by both recurrent layers (SPEC.md §3):
 *   [o, f, i, g] = σ(K_ss ⊛ h_{i−1} + K_is ⊛ x_i),  σ = sigmoid for o, f, i and tanh for g
 *   c_i = f ⊙ c_{i−1} + i ⊙ g,   h_i = o ⊙ tanh(c_i)
 * `gates` is the sum of both convolutions, [..., 4h] in the order o, f, i, g.
 */
export function lstmCell(gates: tf.Tensor, cPrev: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  return tf.tidy(() => {
    const [o, f, i, g] = tf.split(gates, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const c = tf.add(tf.mul(tf.sigmoid(f), cPrev), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    const h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    return { h, c };
  });
}

/** Bias of an input-to-state convolution: zero except +1 on the forget gate, the usual LSTM start. */
export function forgetBiasInit(hidden: number): Float32Array {
  const b = new Float32Array(4 * hidden);
  b.fill(1, hidden, 2 * hidden);
  return b;
}
