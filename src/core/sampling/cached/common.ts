import * as tf from '@tensorflow/tfjs';
import type { MaskedConv } from '../../layers/maskedConv';

/**
 * Small helpers shared by the per-architecture caches of the cached sampler (../cached.ts).
 */

/**
 * The tensors a cache holds across steps. `keep` takes a tensor out of every enclosing tf.tidy and records
 * it; `free` disposes it once (aliases are fine: a tensor freed twice, or kept twice, is disposed once).
 * `dispose` frees everything still held, so a sampler leaks nothing however it stops.
 */
export class Owned {
  private readonly held = new Set<tf.Tensor>();

  keep<T extends tf.Tensor>(t: T): T {
    tf.keep(t);
    this.held.add(t);
    return t;
  }

  free(t: tf.Tensor | null | undefined): void {
    if (t && this.held.delete(t)) t.dispose();
  }

  freeAll(ts: Iterable<tf.Tensor | null | undefined> | null | undefined): void {
    if (ts) for (const t of ts) this.free(t);
  }

  get size(): number {
    return this.held.size;
  }

  dispose(): void {
    for (const t of this.held) t.dispose();
    this.held.clear();
  }
}

/** y = a·w + bias, then an optional ReLU, as one fused op (one dispatch on GPU backends). */
export function mm(a: tf.Tensor, w: tf.Tensor2D, bias?: tf.Tensor | null, relu = false): tf.Tensor2D {
  if (bias && bias.rank > 1 && tf.getBackend() === 'wasm') {
    // tfjs-wasm's fused product takes a rank-1 bias only: add a per-row bias [B, n] after the product.
    return tf.tidy(() => {
      const y = tf.add(tf.matMul(a as tf.Tensor2D, w), bias) as tf.Tensor2D;
      return relu ? tf.relu(y) : y;
    });
  }
  return tf.fused.matMul({ a: a as tf.Tensor2D, b: w, bias: bias ?? undefined, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/**
 * Some taps of a masked convolution's effective kernel W ⊙ M, stacked into one matrix [taps·cin, cout]
 * (tap-major, then input feature), so that a patch gathered in the same order times this matrix is the
 * convolution at one position restricted to those taps.
 */
export function tapMatrix(conv: MaskedConv, taps: Array<[number, number]>): tf.Tensor2D {
  return tf.tidy(() => {
    const k = conv.kernel(); // [kh, kw, cin, cout]
    const [, , cin, cout] = k.shape;
    const rows = taps.map(([y, x]) => k.slice([y, x, 0, 0], [1, 1, cin, cout]).reshape([cin, cout]));
    return (rows.length === 1 ? rows[0]! : tf.concat(rows, 0)) as tf.Tensor2D;
  });
}

/** A 1×1 convolution as a matrix [cin, cout]. */
export function matrix1x1(conv: MaskedConv): tf.Tensor2D {
  return tapMatrix(conv, [[0, 0]]);
}

/**
 * The causal taps of a k×k mask-A/B kernel other than the centre, in the order the patch gatherers use:
 * the r = ⌊k/2⌋ rows above (each left to right), then the r taps left of the centre. The other taps
 * (right of the centre, rows below) are zero in every mask and are skipped.
 */
export function causalTaps(k: number): Array<[number, number]> {
  const r = Math.floor(k / 2);
  const taps: Array<[number, number]> = [];
  for (let y = 0; y < r; y++) for (let x = 0; x < k; x++) taps.push([y, x]);
  for (let x = 0; x < r; x++) taps.push([r, x]);
  return taps;
}

/** Row i of a map [B,H,W,C] as W column tensors [B,C] (each must be kept or disposed by the caller). */
export function rowColumns(map: tf.Tensor4D, i: number): tf.Tensor2D[] {
  const [b, , w, c] = map.shape;
  return tf.tidy(() => tf.unstack(map.slice([0, i, 0, 0], [b, 1, w, c]).reshape([b, w, c]), 1) as tf.Tensor2D[]);
}

/**
 * The part of the cached sampler that depends on the architecture: the core of every residual layer at one
 * position (the 1×1 `out` projection, the residual sum and the skips are shared and done by the driver).
 *
 * Call order, for pixels p = (i, j) in raster order, each exactly once with `final` = true:
 *   beginRow(i)          before the first pixel of row i (every pixel of the rows above is final);
 *   neighbours(i, j)     once per pixel: every term of the layers at (i, j) that reads other positions only;
 *   core(l, i, j, z, f)  per layer, bottom-up, any number of times per pixel (once per colour step), with
 *                        z = the layer's input at (i, j) [B, 2h] from the current sub-pixels.
 * `final` is set on the call whose input is final (every sub-pixel of (i, j) that can reach it is drawn):
 * the cache then stores what later positions read.
 */
export interface CoreCache {
  beginRow(i: number): void;
  neighbours(i: number, j: number): void;
  /** The core's output at (i, j) for the layer's `out` projection: [B, h]. Runs inside the driver's tidy. */
  core(l: number, i: number, j: number, z: tf.Tensor2D, final: boolean): tf.Tensor2D;
  dispose(): void;
}

export interface CacheContext {
  batch: number;
  height: number;
  width: number;
  hidden: number;
  /** Conditioning map [B,H,W,c] of a conditional model (fixed per image), or undefined. */
  cmap?: tf.Tensor4D;
}
