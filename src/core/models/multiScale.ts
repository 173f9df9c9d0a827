import * as tf from '@tensorflow/tfjs';
import { nllPerImage } from '../likelihood';
import { sampleNaive } from '../sampling/naive';
import type { SampleOptions, SampleResult } from '../sampling/types';
import type { ModelConfig } from './config';
import { PixelModel } from './pixelModel';

/**
 * Multi-Scale PixelRNN (SPEC.md §3): an unconditional model of the s × s image subsampled from the target,
 * and a conditional model of the n × n image given the small one. p(x) = p(small(x)) · p(x | small(x)).
 */
export class MultiScaleModel {
  readonly small: PixelModel;
  readonly large: PixelModel;

  constructor(smallConfig: ModelConfig, largeConfig: ModelConfig) {
    const c = largeConfig.condition;
    if (!c) throw new Error('The large model of a multi-scale pair must have a condition');
    if (smallConfig.condition) throw new Error('The small model of a multi-scale pair must be unconditional');
    if (smallConfig.height !== c.smallHeight || smallConfig.width !== c.smallWidth || smallConfig.channels !== largeConfig.channels || smallConfig.output !== largeConfig.output)
      throw new Error('The small model must produce the images the large one is conditioned on');
    this.small = new PixelModel(smallConfig);
    this.large = new PixelModel(largeConfig);
  }

  get factor(): number {
    return this.large.config.height / this.small.config.height;
  }

  /** NLL in nats of full images [B,n,n,C]: the small model's on the subsampled image plus the large model's. */
  nllPerImage(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const s = subsample(x, this.factor);
      const a = nllPerImage(this.small.logits(s), s, this.small.config.output);
      const b = nllPerImage(this.large.logits(x, s), x, this.large.config.output);
      return tf.add(a, b) as tf.Tensor1D;
    });
  }

  /** Samples the small images first, then the large ones conditioned on them. */
  async sample(options: SampleOptions, sampler = sampleNaive): Promise<{ small: SampleResult; large: SampleResult }> {
    const { onStep: _ignored, ...rest } = options;
    const small = await sampler(this.small, { ...rest, seed: options.seed ^ 0x5bd1e995 });
    if (small.stopped) return { small, large: small };
    const large = await sampler(this.large, { ...options, small: small.images });
    return { small, large };
  }

  dispose(): void {
    this.small.dispose();
    this.large.dispose();
  }
}

/** Every f-th pixel in both directions, starting at (0, 0): [B,n,n,C] → [B,n/f,n/f,C]. */
export function subsample(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    return tf.stridedSlice(x, [0, 0, 0, 0], [b, h, w, c], [1, factor, factor, 1]) as tf.Tensor4D;
  });
}
