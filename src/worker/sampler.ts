/**
 * The one sampling entry point of the app: the cached sampler (src/core/sampling/cached.ts), which computes
 * only what each new sub-pixel changes and draws exactly the images the naive sampler would.
 */
import { sampleCached, type PixelModel, type SampleOptions, type SampleResult } from '../core/index';

export function sample(model: PixelModel, options: SampleOptions): Promise<SampleResult> {
  return sampleCached(model, options);
}
