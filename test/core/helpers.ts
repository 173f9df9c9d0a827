import * as tf from '@tensorflow/tfjs';
import type { Arch, ModelConfig } from '../../src/core/models/config';

/** A tiny model config for tests: fast on the cpu backend, still every piece of the architecture. */
export function tinyConfig(arch: Arch, channels: 1 | 3, over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    arch,
    height: 6,
    width: 6,
    channels,
    output: channels === 1 ? 'binary' : 'softmax256',
    layers: 2,
    // Wide enough that no colour group's ReLUs are all dead at a position (which would zero a gradient
    // that the architecture allows), small enough to stay fast.
    hidden: 12,
    headWidth: 48,
    firstKernel: 7,
    residual: true,
    skip: true,
    seed: 7,
    ...over,
  };
}

/** Random valid sub-pixel values [B,H,W,C] as float32 (0/1 for binary, 0..255 otherwise). */
export function randomImages(c: ModelConfig, batch: number, seed = 3): tf.Tensor4D {
  const hi = c.output === 'binary' ? 2 : 256;
  return tf.tidy(() => tf.randomUniform([batch, c.height, c.width, c.channels], 0, hi, 'int32', seed).toFloat() as tf.Tensor4D);
}

/** Runs fn and fails if it leaves tensors behind. */
export async function expectNoLeak<T>(fn: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${before} tensors before, ${after} after`);
  return out;
}

export const archs: Arch[] = ['pixelcnn', 'rowlstm', 'diagonal'];
