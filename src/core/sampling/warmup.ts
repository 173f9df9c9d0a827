import { placeholderSmall } from '../models/multiScale';
import type { PixelModel } from '../models/pixelModel';
import { sampleCached } from './cached';
import { sampleCachedOnDevice } from './device';

/**
 * Runs the cached sampler over the first row and one more pixel, then stops: every kernel a whole image
 * needs (per sub-pixel, per pixel, and the recurrent layers' per-row work at the first row boundary) is
 * compiled at this batch size, so a GPU backend's shaders are ready before the person presses Sample.
 * The images drawn are thrown away. Returns the sub-pixel steps run and the milliseconds they took.
 * `draw: 'device'` warms up the sampler that draws on the device (device.ts) instead, its draw included.
 */
export async function warmUpSampler(model: PixelModel, batch: number, draw: 'cpu' | 'device' = 'cpu'): Promise<{ steps: number; ms: number }> {
  const { width: W, height: H, channels: C } = model.config;
  const target = Math.min(H * W * C, (W + 1) * C);
  const stop = new AbortController();
  let steps = 0;
  const t0 = performance.now();
  await (draw === 'device' ? sampleCachedOnDevice : sampleCached)(model, {
    count: batch,
    seed: 0,
    small: placeholderSmall(model.config, batch), // a conditional model's kernels, on blank small images
    signal: stop.signal,
    onStep: (p) => {
      steps = p.done;
      if (p.done >= target) stop.abort();
    },
  });
  return { steps, ms: performance.now() - t0 };
}
