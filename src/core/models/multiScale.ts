import * as tf from '@tensorflow/tfjs';
import { nllPerImage } from '../likelihood';
import { sampleNaive } from '../sampling/naive';
import type { SampleOptions, SampleResult } from '../sampling/types';
import type { ModelConfig } from './config';
import { PixelModel } from './pixelModel';

/**
 * Multi-Scale PixelRNN (SPEC.md §3): an unconditional model of the s × s image subsampled from the target (its
 * box-downsampling, `subsample` below), and a conditional model of the n × n image given the small one.
 * p(x) = p(small(x)) · p(x | small(x)).
 */
export class MultiScaleModel {
  readonly small: PixelModel;
  readonly large: PixelModel;

  /** From two configs (fresh seeded weights) or two models already loaded (the pair then owns them). */
  constructor(small: ModelConfig | PixelModel, large: ModelConfig | PixelModel) {
    const smallConfig = small instanceof PixelModel ? small.config : small;
    const largeConfig = large instanceof PixelModel ? large.config : large;
    checkPair(smallConfig, largeConfig);
    this.small = small instanceof PixelModel ? small : new PixelModel(smallConfig);
    this.large = large instanceof PixelModel ? large : new PixelModel(largeConfig);
  }

  get factor(): number {
    return this.large.config.height / this.small.config.height;
  }

  /** NLL in nats of full images [B,n,n,C]: the small model's on the subsampled image plus the large model's. */
  nllPerImage(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const { small, large } = this.nllParts(x);
      return tf.add(small, large) as tf.Tensor1D;
    });
  }

  /**
   * The two terms of the pair's code length, in nats per image [B]: −log p(small(x)) and −log p(x | small(x)).
   * Their sum is a valid code length for x because small(x) is a function of x.
   */
  nllParts(x: tf.Tensor4D): { small: tf.Tensor1D; large: tf.Tensor1D } {
    const s = subsample(x, this.factor); // [B,s,s,C]
    const small = tf.tidy(() => nllPerImage(this.small.logits(s), s, this.small.config.output));
    const large = tf.tidy(() => nllPerImage(this.large.logits(x, s), x, this.large.config.output));
    s.dispose();
    return { small, large };
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

/**
 * Blank small images (all zeros) for a conditional model, where a sampler must run without real ones: warm-up
 * and backend calibration only time the kernels. Undefined for an unconditional model.
 */
export function placeholderSmall(config: ModelConfig, count: number): Uint8Array | undefined {
  const c = config.condition;
  return c ? new Uint8Array(count * c.smallHeight * c.smallWidth * config.channels) : undefined;
}

/** Nearest-neighbour enlargement of uint8 [B,s,s,C] images by `factor`: how the page shows a small image over the large one. */
export function enlarge(small: Uint8Array, count: number, height: number, width: number, channels: number, factor: number): Uint8Array {
  const W = width * factor;
  const out = new Uint8Array(count * height * factor * W * channels);
  for (let b = 0; b < count; b++)
    for (let y = 0; y < height * factor; y++)
      for (let x = 0; x < W; x++) {
        const from = ((b * height + Math.floor(y / factor)) * width + Math.floor(x / factor)) * channels;
        out.set(small.subarray(from, from + channels), ((b * height * factor + y) * W + x) * channels);
      }
  return out;
}

/**
 * What a model is given for large images x [B,n,n,C] when trained or evaluated: their box means for the
 * conditional half of a pair (the small image is a function of the large one), nothing for any other model.
 */
export function conditionOf(config: ModelConfig, x: tf.Tensor4D): tf.Tensor4D | undefined {
  const c = config.condition;
  return c ? subsample(x, config.height / c.smallHeight) : undefined;
}

/** Throws unless `small` is an unconditional model of the images `large` is conditioned on. */
export function checkPair(small: ModelConfig, large: ModelConfig): void {
  const c = large.condition;
  if (!c) throw new Error('The large model of a multi-scale pair must have a condition');
  if (small.condition) throw new Error('The small model of a multi-scale pair must be unconditional');
  if (small.height !== c.smallHeight || small.width !== c.smallWidth || small.channels !== large.channels || small.output !== large.output)
    throw new Error('The small model must produce the images the large one is conditioned on');
}

/**
 * The small image of the pair (issue 12): the f×f box-downsampling, each output sub-pixel the mean of the f×f
 * sub-pixels under it rounded half up to an integer, ⌊(sum + f²/2) / f²⌋: [B,n,n,C] → [B,n/f,n/f,C], raw
 * integer values in the input's dtype. The same as src/core/data/box.ts on bytes and train/pixelrnn/multiscale.py
 * `box_downsample` in PyTorch (both tested equal). Binary images stay binary (a tie of two whites rounds to 1).
 */
export function subsample(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    if (h % factor !== 0 || w % factor !== 0) throw new Error(`subsample: ${h}×${w} is not a multiple of ${factor}`);
    const area = factor * factor;
    const blocks = tf.reshape(tf.cast(x, 'float32'), [b, h / factor, factor, w / factor, factor, c]); // [B,s,f,s,f,C]
    const sums = tf.sum(blocks, [2, 4]); // [B,s,s,C], integers, exact in float32
    return tf.cast(tf.floor(tf.div(tf.add(sums, area / 2), area)), x.dtype) as tf.Tensor4D;
  });
}
