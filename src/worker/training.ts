/**
 * Fine-tuning for the training worker: the shared training loop of src/core/train (`Trainer`), fed with
 * the uploaded images and reported through this app's TrainEvent protocol. Only wiring lives here.
 *
 * 1) split the uploads: every 5th image (the 1st, 6th, 11th, …; so at least one) is held out for
 *    bits/dim on images the model does not train on, the rest are trained on;
 * 2) one Trainer (Adam at the requested learning rate) over an `imagesSource` of the training images.
 *    Binary models get them as grey 0/255: the source binarises every batch itself (Bernoulli(grey/255)),
 *    so the 0/1 uploads must be scaled up (0 → always 0, 255 → always 1) or every pixel would draw 0;
 * 3) `Trainer.run` in segments that end at the next save or samples: live step events, held-out bits/dim
 *    every EVAL_EVERY steps; between segments the model is saved to IndexedDB and samples are drawn;
 * 4) pause = abort the segment's signal (run() returns after the current step, and samples being drawn
 *    stop too); resume = run() again on the same Trainer, so weights, optimiser state, step count and data
 *    order carry on; stop = the same, then a 'stopped' event, the held-out evaluation and the save;
 * 5) the NaN guard is the Trainer's: a non-finite step is skipped (weights and optimiser state stay those
 *    of the last good step) and reported as a 'skip' event; too many in a row end the run with a message,
 *    and the last save stays.
 */
import { fineTunedCard, type ModelCard, type PixelModel } from '../core/index';
import { imagesSource, Trainer, TrainingDivergedError, type EvalSet, type TrainEvent as CoreEvent } from '../core/train/index';
import type { TrainArgs, TrainDone, TrainEvent } from './protocol';
import { sample } from './sampler';

/** Held-out bits/dim every this many steps. */
export const EVAL_EVERY = 10;
/** Saved to IndexedDB every this many steps, and at the end. */
export const SAVE_EVERY = 20;
/** Every HOLD_OUT_EVERY-th upload (index 0, 5, 10, …) is held out. */
export const HOLD_OUT_EVERY = 5;
const SAMPLE_COUNT = 4;

/**
 * Pause/resume of a running fine-tune, owned by the worker (its `control` call) and read by the loop.
 * Pausing aborts the signal the current `Trainer.run` watches; resuming lets the loop call run() again.
 */
export class PauseSwitch {
  private controller = new AbortController();
  private wake: (() => void) | null = null;

  get paused(): boolean {
    return this.controller.signal.aborted;
  }

  pause(): void {
    this.controller.abort();
  }

  resume(): void {
    if (!this.paused) return;
    this.controller = new AbortController();
    this.wake?.();
  }

  /** The signal for one run() segment: aborted by a pause or by `stop`. */
  runSignal(stop: AbortSignal): AbortSignal {
    return AbortSignal.any([stop, this.controller.signal]);
  }

  /** Resolves when resumed, or when `stop` aborts. */
  resumed(stop: AbortSignal): Promise<void> {
    if (!this.paused || stop.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stop.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      this.wake = done;
      stop.addEventListener('abort', done);
    });
  }
}

export interface TrainHooks {
  emit(e: TrainEvent): void;
  /** Aborted to stop for good: the run evaluates, saves what it has and returns. */
  signal: AbortSignal;
  pause: PauseSwitch;
  save(model: PixelModel, card: ModelCard): Promise<void>;
  /** Called with the Trainer once it exists (tests look at its step count and optimiser). */
  onTrainer?: (trainer: Trainer) => void;
}

export interface HeldOutSplit {
  train: Uint8Array;
  trainCount: number;
  held: Uint8Array;
  heldCount: number;
}

/** uint8 [N,H,W,C] → every HOLD_OUT_EVERY-th image (from the first) held out, the rest to train on. */
export function splitHeldOut(images: Uint8Array, count: number, imageSize: number): HeldOutSplit {
  if (count < 2) throw new Error(`Fine-tuning needs at least 2 images (one is held out), got ${count}`);
  if (images.length !== count * imageSize) throw new Error(`Got ${images.length} pixel values for ${count} images of ${imageSize}`);
  const heldCount = Math.ceil(count / HOLD_OUT_EVERY);
  const trainCount = count - heldCount;
  const train = new Uint8Array(trainCount * imageSize); // [trainCount,H,W,C]
  const held = new Uint8Array(heldCount * imageSize); // [heldCount,H,W,C]
  let t = 0;
  let h = 0;
  for (let i = 0; i < count; i++) {
    const img = images.subarray(i * imageSize, (i + 1) * imageSize);
    if (i % HOLD_OUT_EVERY === 0) held.set(img, h++ * imageSize);
    else train.set(img, t++ * imageSize);
  }
  return { train, trainCount, held, heldCount };
}

/** The step where the current run() segment ends: the next save, samples, or the last step. */
function segmentEnd(step: number, total: number, sampleEvery: number): number {
  const next = (every: number) => (every > 0 ? (Math.floor(step / every) + 1) * every : Infinity);
  return Math.min(total, next(SAVE_EVERY), next(sampleEvery));
}

export async function fineTune(model: PixelModel, baseCard: ModelCard, args: TrainArgs, hooks: TrainHooks): Promise<TrainDone> {
  const { height: H, width: W, channels: C, output } = model.config;
  const shape = [H, W, C] as const;
  const binary = output === 'binary';
  // 1) Split.
  const split = splitHeldOut(args.images, args.count, H * W * C);
  const valid: EvalSet = { imageShape: shape, count: split.heldCount, images: split.held };
  // 2) The Trainer.
  const trainPixels = binary ? split.train.map((v) => (v ? 255 : 0)) : split.train;
  const source = imagesSource(trainPixels, shape, { kind: binary ? 'binary' : 'rgb', batchSize: args.batchSize, seed: args.seed });
  const trainer = new Trainer(model, { train: source, valid }, { optimizer: 'adam', lr: args.learningRate });
  hooks.onTrainer?.(trainer);
  const off = trainer.on((e) => forward(e, args.steps, hooks.emit));

  // The fine-tune's own card: its lineage and held-out figure, never the base model's test NLL.
  const card = (): ModelCard =>
    fineTunedCard(baseCard, args.card, {
      steps: trainer.stepCount,
      heldOut: trainer.lastEval ? { bitsPerDim: trainer.lastEval.bitsPerDim, images: trainer.lastEval.images, step: trainer.lastEval.step } : null,
    });
  let savedStep = -1;
  const save = async () => {
    await hooks.save(model, card());
    savedStep = trainer.stepCount;
    hooks.emit({ type: 'saved', step: savedStep, key: args.saveKey });
  };
  const started = performance.now();

  try {
    await trainer.evaluate(); // the starting point of the held-out curve (step 0)
    // 3) Segments; 4) pauses between them.
    while (trainer.stepCount < args.steps && !hooks.signal.aborted) {
      if (hooks.pause.paused) {
        hooks.emit({ type: 'paused', step: trainer.stepCount });
        await hooks.pause.resumed(hooks.signal);
        continue;
      }
      const until = segmentEnd(trainer.stepCount, args.steps, args.sampleEvery);
      const r = await trainer.run({ untilStep: until, signal: hooks.pause.runSignal(hooks.signal), evalEvery: EVAL_EVERY, evalAtEnd: false });
      if (r.reason === 'aborted') continue; // paused or stopped: the loop's checks decide
      const step = trainer.stepCount;
      if (step % SAVE_EVERY === 0) await save();
      if (args.sampleEvery > 0 && step % args.sampleEvery === 0) {
        // Pause and Stop both cut the samples short: they must take effect within one step, not one image.
        const s = await sample(model, { count: SAMPLE_COUNT, seed: step, temperature: 1, signal: hooks.pause.runSignal(hooks.signal) });
        if (!s.stopped) hooks.emit({ type: 'samples', step, images: s.images, count: SAMPLE_COUNT });
      }
    }
    if (hooks.signal.aborted) hooks.emit({ type: 'stopped', step: trainer.stepCount });
    if (trainer.stepCount > 0) {
      if (trainer.lastEval?.step !== trainer.stepCount) await trainer.evaluate();
      if (savedStep !== trainer.stepCount) await save();
    }
    const skipped = trainer.skippedSteps > 0 ? ` (${trainer.skippedSteps} skipped as non-finite)` : '';
    hooks.emit({ type: 'status', message: `Trained ${trainer.stepCount} steps${skipped} in ${((performance.now() - started) / 1000).toFixed(1)} s.` });
    return { steps: trainer.stepCount, stopped: trainer.stepCount < args.steps, key: args.saveKey, finalBitsPerDim: trainer.lastEval?.bitsPerDim ?? null };
  } catch (e) {
    if (e instanceof TrainingDivergedError) {
      const kept = savedStep >= 0 ? `the model saved at step ${savedStep} is kept` : 'nothing was saved';
      throw new Error(`${e.message}: lower the learning rate; ${kept}.`);
    }
    throw e;
  } finally {
    off();
    trainer.dispose(); // the optimiser state; the model belongs to the caller
  }
}

/** Core training events → the protocol's (ETA over the whole fine-tune, not the current segment). */
function forward(e: CoreEvent, total: number, emit: (e: TrainEvent) => void): void {
  switch (e.type) {
    case 'step':
      emit({ type: 'step', step: e.step, loss: e.loss, bitsPerDim: e.bitsPerDim, imagesPerSecond: e.imagesPerSec, etaSeconds: Math.max(0, total - e.step) / e.stepsPerSec });
      break;
    case 'skip':
      emit({ type: 'skip', step: e.step, reason: e.reason, consecutive: e.consecutive });
      break;
    case 'eval':
      emit({ type: 'eval', step: e.step, bitsPerDim: e.bitsPerDim });
      break;
    default: // 'checkpoint' and 'done' of each segment: the fine-tune reports its own end
      break;
  }
}
