import * as tf from '@tensorflow/tfjs';
import { categories } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { cachedDeviceProvider } from './cached';
import { runDeviceSampling, type DeviceLogitsProvider } from './deviceLoop';
import { classTensor, smallTensor } from './naive';
import type { DeviceSampleOptions, SampleResult } from './types';

/**
 * Sampling with the draw on the device: no read-back per sub-pixel. The samplers of cached.ts and naive.ts
 * with `runDeviceSampling` (deviceLoop.ts) in place of `runSampling` and `drawOnDevice` (deviceDraw.ts) in
 * place of the CPU draw; read-backs as `options.readback` says (default: once per row).
 *
 * Same seed, same backend: the cached and naive samplers on the device draw the same images (same loop,
 * same uniforms, same draw; logits equal up to float rounding). Against the CPU draw (sampleCached) and
 * across backends they agree except where u lands within float error of a boundary of the cumulative
 * distribution (deviceDraw.ts); README "Sampling speed" gives the measured rate.
 */
export function sampleCachedOnDevice(model: PixelModel, options: DeviceSampleOptions): Promise<SampleResult> {
  return runDeviceSampling(model.config, options, cachedDeviceProvider(model, options));
}

/** The naive sampler with the draw on the device: one full forward pass per sub-pixel, the reference. */
export function sampleNaiveOnDevice(model: PixelModel, options: DeviceSampleOptions): Promise<SampleResult> {
  return runDeviceSampling(model.config, options, naiveDeviceProvider(model, options));
}

export function naiveDeviceProvider(model: PixelModel, options: DeviceSampleOptions): DeviceLogitsProvider {
  const B = options.count;
  const K = categories(model.config) === 2 ? 1 : 256;
  const small = smallTensor(model, options);
  const labels = classTensor(model, options);
  return {
    logitsOn(row, col, channel, images) {
      return tf.tidy(() => {
        const logits = model.logits(images.full(), small, labels); // [B,H,W,C,K] or [B,H,W,C]
        const begin = K === 1 ? [0, row, col, channel] : [0, row, col, channel, 0];
        const size = K === 1 ? [B, 1, 1, 1] : [B, 1, 1, 1, K];
        return logits.slice(begin, size).reshape([B, K]) as tf.Tensor2D; // [B,K]
      });
    },
    dispose() {
      small?.dispose();
      labels?.dispose();
    },
  };
}
