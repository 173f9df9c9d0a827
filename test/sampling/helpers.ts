import * as tf from '@tensorflow/tfjs';
import type { Arch, ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import type { KnownPixels } from '../../src/core/sampling/types';

/**
 * Fixtures shared by the sampler tests (cached, device, gated): tiny models with random weights of some
 * scale, and a known-pixel mask for a batch of 2.
 */

/** A tiny config: (4 + grow) × (5 + grow) RGB 256-way or (5 + grow) × (4 + grow) binary, 2 layers. */
export function tiny(arch: Arch, rgb: boolean, extra: Partial<ModelConfig> = {}, grow = 0): ModelConfig {
  return {
    arch,
    height: (rgb ? 4 : 5) + grow,
    width: (rgb ? 5 : 4) + grow,
    channels: rgb ? 3 : 1,
    output: rgb ? 'softmax256' : 'binary',
    layers: 2,
    hidden: 6,
    headWidth: 12,
    firstKernel: 5,
    residual: true,
    skip: true,
    seed: 7,
    ...extra,
  };
}

/** Random weights with some scale, so logits are far from flat and states not all near zero. */
export function randomise(model: PixelModel, seed: number): void {
  let n = 0;
  for (const v of model.params.list()) v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.6, 'float32', seed + n++)));
}

/** A model of `cfg` with random weights (see randomise). */
export function randomModel(cfg: ModelConfig, seed = 3): PixelModel {
  const m = new PixelModel(cfg);
  randomise(m, seed);
  return m;
}

/**
 * Known sub-pixels for a batch of 2 ([B,H,W,C]): both images know the whole first row; image 0 also a
 * block on the left, image 1 a block on the right; and single colours scattered (partially known pixels).
 * Steps where both images know the sub-pixel are skipped by the loop; the others are asked for.
 */
export function knownMask(cfg: ModelConfig): KnownPixels {
  const { height: H, width: W, channels: C } = cfg;
  const per = H * W * C;
  const image = new Uint8Array(2 * per);
  const mask = new Uint8Array(2 * per);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let c = 0; c < C; c++) {
          const at = b * per + (i * W + j) * C + c;
          image[at] = cfg.output === 'binary' ? (i + j + b) % 2 : (37 * i + 11 * j + 90 * c + 7 * b) % 256;
          const block = b === 0 ? j < 2 && i >= 2 : j >= W - 2 && i >= 1;
          mask[at] = i === 0 || block || (i * W + j + c) % 5 === 0 ? 1 : 0;
        }
  return { image, mask };
}
