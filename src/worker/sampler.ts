/**
 * The one sampling entry point of the app. Both samplers compute only what each new sub-pixel changes and
 * draw exactly the images the naive sampler would on the same backend:
 * - on WebGPU, the cached sampler with the draw on the device (src/core/sampling/device.ts): no read-back per
 *   sub-pixel; the images come back asynchronously at most once per frame (`frameMs`);
 * - elsewhere (wasm, cpu, webgl), the cached sampler with the CPU draw (src/core/sampling/cached.ts), which
 *   on those backends costs no GPU round trip.
 */
import * as tf from '@tensorflow/tfjs';
import { sampleCached, type PixelModel, type SampleOptions, type SampleResult } from '../core/index';
import { sampleCachedOnDevice } from '../core/sampling/device';

/** Frames of progress go out at most this often (ms); the page draws at most once per animation frame anyway. */
export const FRAME_MS = 40;

/** Whether the active backend's sampler draws on the device (see above). */
export function drawsOnDevice(backend: string = tf.getBackend()): boolean {
  return backend === 'webgpu';
}

export function sample(model: PixelModel, options: SampleOptions, frameMs = FRAME_MS): Promise<SampleResult> {
  return drawsOnDevice() ? sampleCachedOnDevice(model, { ...options, readback: 'frame', frameMs }) : sampleCached(model, options);
}
