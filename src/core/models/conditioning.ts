import * as tf from '@tensorflow/tfjs';
import type { ParamStore } from '../layers/params';
import type { ConditionConfig } from './config';
import { normalizeInput } from './normalize';

/**
 * The small network of the conditional half of a Multi-Scale PixelRNN (SPEC.md §3): the s × s image goes
 * through stride-2 transposed convolutions (ReLU between them) up to a c × n × n conditioning map, which
 * every layer of the conditional network adds, through its own 1×1 unmasked convolution, to its
 * input-to-state map.
 */
export class ConditioningNet {
  private readonly kernels: tf.Variable[] = []; // [4, 4, cout, cin] each
  private readonly biases: tf.Variable[] = [];

  constructor(store: ParamStore, readonly cond: ConditionConfig, readonly channels: number, readonly binary: boolean, readonly height: number) {
    const steps = Math.log2(height / cond.smallHeight);
    let cin = channels;
    for (let i = 0; i < steps; i++) {
      const cout = cond.mapChannels;
      this.kernels.push(store.glorot(`cond/up${i}/w`, [4, 4, cout, cin], 4 * cin, 4 * cout));
      this.biases.push(store.fill(`cond/up${i}/b`, [cout], 0));
      cin = cout;
    }
  }

  /** Small images [B,s,s,C] (raw sub-pixel values) → conditioning map [B,n,n,c]. */
  apply(small: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let x = normalizeInput(small, this.binary);
      this.kernels.forEach((k, i) => {
        const [b, h, w] = x.shape;
        const y = tf.conv2dTranspose(x, k as tf.Tensor4D, [b, 2 * h, 2 * w, k.shape[2]!], 2, 'same');
        x = tf.add(y, this.biases[i]!);
        if (i < this.kernels.length - 1) x = tf.relu(x);
      });
      return x;
    });
  }
}
