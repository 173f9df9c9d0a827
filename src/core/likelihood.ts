import * as tf from '@tensorflow/tfjs';
import type { OutputKind } from './models/config';

/**
 * Discrete negative log-likelihood (SPEC.md §5), computed from logits with log-softmax / log-sigmoid so it
 * stays finite for extreme logits.
 *
 * logits: [B,H,W,C,256] (softmax256) or [B,H,W,C] (binary); targets: [B,H,W,C] sub-pixel values.
 * Returns the NLL of every image in nats: [B].
 */
export function nllPerImage(logits: tf.Tensor, targets: tf.Tensor4D, output: OutputKind): tf.Tensor1D {
  return tf.tidy(() => {
    const b = targets.shape[0];
    if (output === 'binary') {
      // −log p(t) = softplus(l) − t·l = max(l,0) − t·l + log(1 + e^−|l|)
      const l = logits as tf.Tensor4D;
      const t = tf.cast(targets, 'float32');
      const nll = tf.add(tf.sub(tf.relu(l), tf.mul(t, l)), tf.log1p(tf.exp(tf.neg(tf.abs(l)))));
      return nll.reshape([b, -1]).sum(1) as tf.Tensor1D;
    }
    const logp = tf.logSoftmax(logits, -1); // [B,H,W,C,256]
    const picked = tf.mul(logp, tf.oneHot(tf.cast(targets, 'int32'), 256)).sum(-1); // [B,H,W,C]
    return tf.neg(picked.reshape([b, -1]).sum(1)) as tf.Tensor1D;
  });
}

/** Mean NLL over the batch, in nats per image: the training loss. */
export function meanNll(logits: tf.Tensor, targets: tf.Tensor4D, output: OutputKind): tf.Scalar {
  return tf.tidy(() => nllPerImage(logits, targets, output).mean() as tf.Scalar);
}

/** Bits per dimension from nats per image: NLL / (n · n · C · ln 2). */
export function bitsPerDim(natsPerImage: number, dims: number): number {
  return natsPerImage / (dims * Math.LN2);
}
