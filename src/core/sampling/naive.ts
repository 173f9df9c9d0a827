import * as tf from '@tensorflow/tfjs';
import { categories } from '../models/config';
import { classLabels, type PixelModel } from '../models/pixelModel';
import { runSampling, type LogitsProvider } from './loop';
import type { SampleOptions, SampleResult } from './types';

/**
 * The naive sampler: one full forward pass of the network per sub-pixel (H · W · C passes per image).
 * Slow, but obviously right: the reference the cached sampler is tested against.
 */
export function sampleNaive(model: PixelModel, options: SampleOptions): Promise<SampleResult> {
  return runSampling(model.config, options, naiveProvider(model, options));
}

export function naiveProvider(model: PixelModel, options: SampleOptions): LogitsProvider {
  const { height: H, width: W, channels: C } = model.config;
  const B = options.count;
  const K = categories(model.config) === 2 ? 1 : 256;
  const small = smallTensor(model, options);
  const labels = classTensor(model, options);
  return {
    async logitsAt(row, col, channel, images) {
      const out = tf.tidy(() => {
        const x = tf.tensor4d(images, [B, H, W, C], 'int32').toFloat();
        const logits = model.logits(x, small, labels);
        const begin = K === 1 ? [0, row, col, channel] : [0, row, col, channel, 0];
        const size = K === 1 ? [B, 1, 1, 1] : [B, 1, 1, 1, K];
        return logits.slice(begin, size);
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      small?.dispose();
      labels?.dispose();
    },
  };
}

/**
 * The classes of a class-conditional model's images as the int32 [B] tensor `logits` takes (none where none
 * is asked for); undefined for a model without classes, which refuses a class.
 */
export function classTensor(model: PixelModel, options: Pick<SampleOptions, 'count' | 'classes'>): tf.Tensor1D | undefined {
  if (!model.config.classes) {
    if (options.classes !== undefined && options.classes !== null) throw new Error('This model takes no class');
    return undefined;
  }
  return classLabels(model.config, options.count, options.classes);
}

/** The small images of a conditional model as a tensor, checked against the model's config. */
export function smallTensor(model: PixelModel, options: SampleOptions): tf.Tensor4D | undefined {
  const cond = model.config.condition;
  if (!cond) return undefined;
  const { channels: C } = model.config;
  const need = options.count * cond.smallHeight * cond.smallWidth * C;
  if (!options.small || options.small.length !== need)
    throw new Error(`This conditional model needs ${options.count} small images of ${cond.smallHeight}×${cond.smallWidth}×${C}`);
  return tf.tidy(() => tf.tensor4d(options.small!, [options.count, cond.smallHeight, cond.smallWidth, C], 'int32').toFloat());
}
