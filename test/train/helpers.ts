import * as tf from '@tensorflow/tfjs';
import { createModel, type PixelModel } from '../../src/core/models/pixelModel';
import { preset } from '../../src/core/models/presets';
import type { Arch, ModelConfig } from '../../src/core/models/config';
import { createDataset, type Dataset } from '../../src/core/data/dataset';
import { mulberry32 } from '../../src/core/random';

/** A tiny binary model on n×n images: 1 residual layer, h = 4, head 8. */
export function tinyModel(arch: Arch, n = 8, overrides: Partial<ModelConfig> = {}): PixelModel {
  return createModel(
    preset('small-mnist-pixelcnn', { arch, height: n, width: n, layers: 1, hidden: 4, headWidth: 8, firstKernel: 3, ...overrides }),
  );
}

/**
 * `count` grey n×n images: a few shapes (bars, a box, a diagonal) at random offsets. With `levels` false
 * every pixel is 0 or 255, so dynamic binarisation is exact and batches repeat; with true, greys in between.
 */
export function tinyDataset(count: number, n = 8, levels = false, seed = 7): Dataset {
  const rng = mulberry32(seed);
  const px = new Uint8Array(count * n * n);
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    const o = Math.floor(rng.next() * (n - 3));
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const on = kind === 0 ? c === o || c === o + 1 : kind === 1 ? r >= o && r < o + 3 && c >= o && c < o + 3 : r === c;
        px[(i * n + r) * n + c] = on ? (levels ? 160 + Math.floor(rng.next() * 95) : 255) : levels ? Math.floor(rng.next() * 40) : 0;
      }
  }
  return createDataset({ name: 'tiny', kind: 'binary', shape: [n, n, 1], images: { train: px } });
}

/** Every parameter's values, by name. */
export async function weightsOf(model: PixelModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params.vars) out.set(name, (await v.data()) as Float32Array);
  return out;
}

export async function slotsOf(vars: Map<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of vars) out.set(name, (await v.data()) as Float32Array);
  return out;
}

/** True when both maps have the same keys and bit-identical arrays. */
export function sameArrays(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || y.length !== x.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  return true;
}
