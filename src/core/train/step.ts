import * as tf from '@tensorflow/tfjs';
import { meanNll } from '../likelihood';
import { conditionOf } from '../models/multiScale';
import { classLabels, type PixelModel } from '../models/pixelModel';
import { imagesToTensor } from './evaluate';
import type { Optimizer, Proposal } from './optimizers';
import type { ImageShape } from './sources';

/**
 * The tensor math of one training step, for Trainer.interruptibleStep (./trainer.ts), which owns the
 * order, the NaN guard and the events:
 *   1) per chunk of the batch: the loss and gradients, scaled by the chunk's share (`chunkGradient`),
 *      summed over the chunks by the caller;
 *   2) the update from the sums: global-norm clipping, the optimiser's proposal, and the figures the NaN
 *      guard reads back (`proposeUpdate`).
 */

/**
 * Loss and gradients of images [from, from + n) of a batch of `total`, each scaled by n / total: the mean
 * NLL over the batch is Σ over chunks of (n / total) · (the chunk's mean NLL), and so is its gradient.
 * Returns [loss, ...gradients in the order of `vars`]. `labels`: the batch's classes (a class-conditional
 * model; absent: none for every image, e.g. uploads).
 */
export function chunkGradient(
  model: PixelModel,
  shape: ImageShape,
  images: Uint8Array,
  from: number,
  n: number,
  total: number,
  vars: tf.Variable[],
  labels?: Uint8Array,
): tf.Tensor[] {
  const size = shape[0] * shape[1] * shape[2];
  const { output } = model.config;
  return tf.tidy(() => {
    const x = imagesToTensor(images.subarray(from * size, (from + n) * size), shape); // [n,H,W,C]
    const small = conditionOf(model.config, x); // [n,s,s,C]: box(x) for a multi-scale pair's conditional half
    const y = model.config.classes ? classLabels(model.config, n, labels ? labels.subarray(from, from + n) : null) : undefined;
    const f = () => {
      const nll = meanNll(model.logits(x, small, y), x, output); // scalar, nats per image
      return (n === total ? nll : tf.mul(nll, n / total)) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(f, vars);
    return [value, ...vars.map((v) => grads[v.name]!)];
  });
}

/**
 * The update for the summed [loss, ...gradients] (gradients in the order of `names`): clipping to
 * `clipNorm` (0: off), the optimiser's proposal (nothing written yet), and `stats` =
 * [loss, gradient norm before clipping, Σ|new weights|] to check. The caller disposes all of it.
 */
export function proposeUpdate(optimizer: Optimizer, names: string[], sum: tf.Tensor[], lr: number, clipNorm: number): Proposal & { stats: tf.Tensor } {
  let proposal: Proposal = { weights: new Map(), slots: new Map() };
  const stats = tf.tidy(() => {
    const g = new Map<string, tf.Tensor>(names.map((n, i) => [n, sum[i + 1]!]));
    const norm = tf.sqrt(sumAll([...g.values()].map((t) => tf.sum(tf.square(t))))); // scalar
    if (clipNorm > 0) {
      const factor = tf.minimum(1, tf.div(clipNorm, tf.maximum(norm, 1e-30))); // scalar
      for (const [n, t] of g) g.set(n, tf.mul(t, factor));
    }
    proposal = optimizer.propose(g, lr);
    for (const t of [...proposal.weights.values(), ...proposal.slots.values()]) tf.keep(t);
    // Σ|new weights|: finite iff every new weight is (NaN and Inf propagate through sums on every
    // backend, unlike max/min or isNaN, which GPU compilers may optimise away). The slots need no check:
    // with a finite gradient norm, m, v and ms are finite, and a non-finite momentum makes a weight so.
    const magnitude = sumAll([...proposal.weights.values()].map((t) => tf.sum(tf.abs(t))));
    return tf.stack([sum[0]!, norm, magnitude]); // [3]
  });
  return { ...proposal, stats };
}

/**
 * Σ of scalars as a chain of adds. Not tf.addN: tfjs-webgpu binds every input of AddN as a storage buffer,
 * and more than the device's maxStorageBuffersPerShaderStage (8 by default) makes an invalid pipeline
 * whose result is garbage (seen on Dawn/SwiftShader with 14 inputs).
 */
function sumAll(ts: tf.Tensor[]): tf.Tensor {
  let acc = ts[0]!;
  for (let i = 1; i < ts.length; i++) acc = tf.add(acc, ts[i]!);
  return acc;
}
