/**
 * The one sampling entry point of the app. The naive sampler (a full forward pass per sub-pixel) runs now;
 * the cached sampler (src/core/sampling/cached.ts) has the same options and results: switch here.
 */
import { sampleNaive, type PixelModel, type SampleOptions, type SampleResult } from '../core/index';

export function sample(model: PixelModel, options: SampleOptions): Promise<SampleResult> {
  return sampleNaive(model, options);
}
