/**
 * Fine-tuning loop used by the training worker. A thin adapter: src/core/train (being written) will own
 * the loop; until then this runs the same objective (meanNll of src/core/likelihood) with Adam, and
 * reports through the TrainEvent protocol. Switching to core/train should only touch this file.
 *
 * 1) split the images: ~20 % held out (at least one) for bits/dim, the rest to train on;
 * 2) each step: a seeded random batch, one Adam step on the mean NLL (nats/image);
 * 3) every few steps: held-out bits/dim, a checkpoint in IndexedDB, fresh samples;
 * 4) NaN guard: a non-finite loss stops training; the last checkpoint stays saved.
 */
import * as tf from '@tensorflow/tfjs';
import { bitsPerDim, dims, meanNll, mulberry32, nllPerImage, type ModelCard, type PixelModel } from '../core/index';
import type { TrainArgs, TrainDone, TrainEvent } from './protocol';
import { sample } from './sampler';

export interface TrainHooks {
  emit(e: TrainEvent): void;
  signal: AbortSignal;
  /** Resolves at once unless paused; while paused, when resumed. */
  whilePaused(): Promise<void>;
  save(model: PixelModel, card: ModelCard): Promise<void>;
}

const EVAL_EVERY = 10;
const SAVE_EVERY = 20;

export async function fineTune(model: PixelModel, baseCard: ModelCard, args: TrainArgs, hooks: TrainHooks): Promise<TrainDone> {
  const { height: H, width: W, channels: C } = model.config;
  const per = H * W * C;
  const D = dims(model.config);
  // 1) Split.
  const n = args.count;
  const held = Math.max(1, Math.round(n * 0.2));
  const trainN = n - held;
  const trainImgs = args.images.subarray(held * per);
  const valX = tf.tidy(() => tf.tensor4d(args.images.subarray(0, held * per), [held, H, W, C], 'int32'));
  const rng = mulberry32(args.seed);
  const optimizer = tf.train.adam(args.learningRate);
  const vars = model.params.list();
  const card = (steps: number, val: number | null): ModelCard => ({ ...baseCard, ...args.card, steps, ...(val !== null ? { heldOutBitsPerDim: val } : {}) });

  let lastVal: number | null = null;
  let step = 0;
  const started = performance.now();
  let trainedMs = 0;
  const evaluate = async (): Promise<number> => {
    const nll = tf.tidy(() => nllPerImage(model.logits(valX.toFloat()), valX, model.config.output).mean());
    const v = bitsPerDim((await nll.data())[0]!, D);
    nll.dispose();
    return v;
  };

  try {
    lastVal = await evaluate();
    hooks.emit({ type: 'eval', step: 0, bitsPerDim: lastVal });
    const batch = Math.min(args.batchSize, trainN);
    while (step < args.steps) {
      if (hooks.signal.aborted) break;
      await hooks.whilePaused();
      if (hooks.signal.aborted) break;
      const t0 = performance.now();
      // 2) One step on a random batch.
      const idx = Array.from({ length: batch }, () => Math.floor(rng.next() * trainN));
      const xb = new Uint8Array(batch * per);
      idx.forEach((k, i) => xb.set(trainImgs.subarray(k * per, (k + 1) * per), i * per));
      const loss = tf.tidy(() => {
        const t = tf.tensor4d(xb, [batch, H, W, C], 'int32'); // [B,H,W,C]
        return optimizer.minimize(() => meanNll(model.logits(t.toFloat()), t, model.config.output), true, vars)!;
      });
      const nats = (await loss.data())[0]!;
      loss.dispose();
      step++;
      trainedMs += performance.now() - t0;
      // 4) NaN guard.
      if (!Number.isFinite(nats)) throw new Error(`The loss became ${nats} at step ${step}: lower the learning rate. The last checkpoint is kept.`);
      const perStepMs = trainedMs / step;
      hooks.emit({ type: 'step', step, loss: nats, bitsPerDim: bitsPerDim(nats, D), imagesPerSecond: (batch * 1000) / perStepMs, etaSeconds: ((args.steps - step) * perStepMs) / 1000 });
      // 3) Evaluate, save, sample.
      if (step % EVAL_EVERY === 0 || step === args.steps) {
        lastVal = await evaluate();
        hooks.emit({ type: 'eval', step, bitsPerDim: lastVal });
      }
      if (step % SAVE_EVERY === 0 || step === args.steps) {
        await hooks.save(model, card(step, lastVal));
        hooks.emit({ type: 'saved', step, key: args.saveKey });
      }
      if (args.sampleEvery > 0 && step % args.sampleEvery === 0) {
        const s = await sample(model, { count: 4, seed: step, temperature: 1, signal: hooks.signal });
        hooks.emit({ type: 'samples', step, images: s.images, count: 4 });
      }
    }
    if (step > 0 && step % SAVE_EVERY !== 0 && step !== args.steps) {
      await hooks.save(model, card(step, lastVal));
      hooks.emit({ type: 'saved', step, key: args.saveKey });
    }
    hooks.emit({ type: 'status', message: `Trained ${step} steps in ${((performance.now() - started) / 1000).toFixed(1)} s.` });
    return { steps: step, stopped: step < args.steps, key: args.saveKey, finalBitsPerDim: lastVal };
  } finally {
    valX.dispose();
    optimizer.dispose();
  }
}
