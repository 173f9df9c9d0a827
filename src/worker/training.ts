/**
 * Fine-tuning for the training worker: the shared training loop of src/core/train (`Trainer`), fed with
 * the uploaded images and reported through this app's TrainEvent protocol. Only wiring lives here.
 *
 * 1) split the uploads: every 5th image (the 1st, 6th, 11th, …; so at least one) is held out for
 *    bits/dim on images the model does not train on, the rest are trained on;
 * 2) one Trainer (Adam at the requested learning rate) over an `imagesSource` of the training images.
 *    Binary models get them as grey 0/255: the source binarises every batch itself (Bernoulli(grey/255)),
 *    so the 0/1 uploads must be scaled up (0 → always 0, 255 → always 1) or every pixel would draw 0.
 *    Each step is computed in micro-batch chunks of about CHUNK_SEC seconds, and the Trainer yields to
 *    the event loop before every chunk: that is how a Pause or Stop message reaches this worker while it
 *    trains (tfjs's cpu and wasm backends never yield by themselves);
 * 3) `Trainer.run` in segments that end at the next save or samples: live step events, held-out bits/dim
 *    every EVAL_EVERY steps; between segments the model is saved to IndexedDB, with a checkpoint (weights,
 *    optimiser state, step, data order, the training images) to continue from after a reload, and samples
 *    are drawn (yielding every few tens of milliseconds, so they stop at once too);
 * 4) pause = abort the segment's signal (the step in flight is dropped at its next chunk and drawn again
 *    on resume; samples being drawn stop too); resume = run() again on the same Trainer, so weights,
 *    optimiser state, step count and data order carry on; stop = the same, then a 'stopped' event, the
 *    held-out evaluation and the save;
 * 5) the NaN guard is the Trainer's: a non-finite step is skipped (weights and optimiser state stay those
 *    of the last good step) and reported as a 'skip' event; too many in a row end the run with a message,
 *    and the last save stays;
 * 6) continue (`continueFineTune`): the checkpoint of an earlier fine-tune → the same Trainer state, the
 *    same images and split, and training goes on from its step.
 */
import type * as tf from '@tensorflow/tfjs';
import { fineTunedCard, parseCard, type ModelCard, type PixelModel } from '../core/index';
import { imagesSource, Trainer, TrainingDivergedError, yieldToEventLoop, type EvalSet, type TrainEvent as CoreEvent, type TrainData } from '../core/train/index';
import type { ContinueArgs, SavedRun, TrainArgs, TrainDone, TrainEvent } from './protocol';
import { parseManifest } from '../core/data/manifest';
import { sample } from './sampler';

/** Held-out bits/dim every this many steps. */
export const EVAL_EVERY = 10;
/** Saved to IndexedDB every this many steps, and at the end. */
export const SAVE_EVERY = 20;
/** Every HOLD_OUT_EVERY-th upload (index 0, 5, 10, …) is held out. */
export const HOLD_OUT_EVERY = 5;
const SAMPLE_COUNT = 4;
/**
 * Seconds a gradient chunk should take: Pause and Stop wait at most one chunk (plus a message's trip),
 * well inside 2 s, while chunks stay large enough to keep most of a whole batch's speed.
 */
export const CHUNK_SEC = 0.6;
/**
 * The micro-batch of the first step (timed before the Trainer sizes chunks from measurements), and the
 * smallest one: on wasm one image per chunk trained at half the speed of two (scripts/bench-microbatch.ts,
 * Emoji-32 PixelCNN at batch 8 on a loaded 2-core machine: 1.6 against 3.1 images/s, 0.65 s per chunk of 2).
 */
const FIRST_MICRO_BATCH = 2;
/** Samples drawn between segments yield to the event loop this often (ms), so Pause/Stop reach them. */
const SAMPLE_YIELD_MS = 50;

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
  /** Stores the checkpoint a later `continueFineTune` starts from (saved right after each model save). */
  saveCheckpoint?(checkpoint: tf.io.ModelArtifacts): Promise<void>;
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

/** What a fine-tune's checkpoint keeps besides the Trainer's state (userDefinedMetadata.finetune). */
export interface FineTuneMeta {
  /** Every upload, held-out ones included, uint8 [count,H,W,C] in base64. */
  images: string;
  count: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Binary models: the images are grey 0..255 (a built-in dataset), not 0/1 uploads. */
  grey?: boolean;
}

/**
 * The Trainer and data of a fine-tune, from its arguments: split, source (step 1 and 2 above). `grey`: the
 * images of a binary model are grey levels (a built-in dataset): trained on as they are (binarised afresh
 * every batch), held out as one fixed binarisation at 128.
 */
function fineTuneData(config: PixelModel['config'], images: Uint8Array, count: number, batchSize: number, seed: number, grey = false): TrainData {
  const { height: H, width: W, channels: C, output } = config;
  const shape = [H, W, C] as const;
  const binary = output === 'binary';
  const split = splitHeldOut(images, count, H * W * C);
  const held = binary && grey ? split.held.map((v) => (v >= 128 ? 1 : 0)) : split.held;
  const valid: EvalSet = { imageShape: shape, count: split.heldCount, images: held };
  const trainPixels = binary && !grey ? split.train.map((v) => (v ? 255 : 0)) : split.train;
  const source = imagesSource(trainPixels, shape, { kind: binary ? 'binary' : 'rgb', batchSize, seed });
  return { train: source, valid };
}

const CHUNKING = { chunkSec: CHUNK_SEC, microBatch: FIRST_MICRO_BATCH, minMicroBatch: FIRST_MICRO_BATCH } as const;

export async function fineTune(model: PixelModel, baseCard: ModelCard, args: TrainArgs, hooks: TrainHooks): Promise<TrainDone> {
  const grey = args.builtIn !== undefined;
  const data = fineTuneData(model.config, args.images, args.count, args.batchSize, args.seed, grey);
  const trainer = new Trainer(model, data, { optimizer: 'adam', lr: args.learningRate, ...CHUNKING });
  const meta: FineTuneMeta = { images: toBase64(args.images), count: args.count, batchSize: args.batchSize, learningRate: args.learningRate, seed: args.seed, grey };
  try {
    return await segments(trainer, fineTunedCard(baseCard, args.card, { steps: 0, heldOut: null }), meta, args.steps, args, hooks);
  } finally {
    trainer.dispose(); // the optimiser state; the model belongs to the caller
  }
}

/** The run an earlier fine-tune saved (its checkpoint's metadata), or null if the artifacts are none. */
export function savedRunOf(checkpoint: tf.io.ModelArtifacts): SavedRun | null {
  const meta = checkpoint.userDefinedMetadata as { trainer?: { format?: string; step?: number; optimizerUpdates?: number; options?: { optimizer?: { kind?: string } } }; finetune?: FineTuneMeta } | undefined;
  const t = meta?.trainer;
  const f = meta?.finetune;
  if (!t || !f || typeof t.step !== 'number' || typeof t.optimizerUpdates !== 'number') return null;
  return { step: t.step, optimizerUpdates: t.optimizerUpdates, optimizer: t.options?.optimizer?.kind ?? 'adam', images: f.count, batchSize: f.batchSize, learningRate: f.learningRate };
}

/**
 * Continues the fine-tune a checkpoint was saved from: weights, optimiser state, step count, data order
 * and the same images and split; `args.steps` more steps. The model is the checkpoint's (freed at the end).
 */
export async function continueFineTune(checkpoint: tf.io.ModelArtifacts, args: ContinueArgs, hooks: TrainHooks): Promise<TrainDone> {
  const meta = (checkpoint.userDefinedMetadata as { finetune?: FineTuneMeta } | undefined)?.finetune;
  const card = parseCard((checkpoint.userDefinedMetadata as { card?: unknown } | undefined)?.card, 'the saved fine-tune');
  if (!meta) throw new Error('This saved model has no fine-tune to continue (it was saved without its training state)');
  const { config } = checkpoint.modelTopology as { config: PixelModel['config'] };
  const data = fineTuneData(config, fromBase64(meta.images), meta.count, meta.batchSize, meta.seed, meta.grey);
  const trainer = await Trainer.restore(checkpoint, data, CHUNKING);
  try {
    hooks.emit({ type: 'resumed', step: trainer.stepCount, optimizerUpdates: trainer.optimizer.updates });
    return await segments(trainer, card, meta, trainer.stepCount + args.steps, args, hooks);
  } finally {
    trainer.dispose(); // the restored Trainer owns its model
  }
}

/** Steps 3–5: segments of Trainer.run with pauses between them, saves, samples, and the end. */
async function segments(trainer: Trainer, baseCard: ModelCard, meta: FineTuneMeta, total: number, args: Pick<TrainArgs, 'saveKey' | 'sampleEvery'>, hooks: TrainHooks): Promise<TrainDone> {
  const model = trainer.model;
  hooks.onTrainer?.(trainer);
  const off = trainer.on((e) => forward(e, total, hooks.emit));
  // The fine-tune's own card (card.ts): its lineage and held-out figure, never the base model's test NLL.
  const card = (): ModelCard =>
    fineTunedCard(baseCard, baseCard, {
      steps: trainer.stepCount,
      heldOut: trainer.lastEval ? { bitsPerDim: trainer.lastEval.bitsPerDim, images: trainer.lastEval.images, step: trainer.lastEval.step } : null,
    });
  let savedStep = -1;
  const save = async () => {
    const c = card();
    await hooks.save(model, c);
    if (hooks.saveCheckpoint) {
      const ck = await trainer.checkpoint(c);
      await hooks.saveCheckpoint({ ...ck, userDefinedMetadata: { ...(ck.userDefinedMetadata as object), finetune: meta } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'] });
    }
    savedStep = trainer.stepCount;
    hooks.emit({ type: 'saved', step: savedStep, key: args.saveKey });
  };
  const started = performance.now();
  const firstStep = trainer.stepCount;
  const stopOrPause = () => hooks.pause.runSignal(hooks.signal);
  /** Yields to the event loop at most every SAMPLE_YIELD_MS while samples are drawn. */
  let lastYield = performance.now();
  const onSampleStep = async () => {
    if (performance.now() - lastYield < SAMPLE_YIELD_MS) return;
    await yieldToEventLoop();
    lastYield = performance.now();
  };

  try {
    // The starting point of the held-out curve (step 0, or where a continued run starts).
    if (trainer.lastEval?.step !== trainer.stepCount) await trainer.evaluate(undefined, stopOrPause()).catch((e: unknown) => {
      if (!hooks.signal.aborted && !hooks.pause.paused) throw e;
    });
    // 3) Segments; 4) pauses between them.
    while (trainer.stepCount < total && !hooks.signal.aborted) {
      if (hooks.pause.paused) {
        hooks.emit({ type: 'paused', step: trainer.stepCount });
        await hooks.pause.resumed(hooks.signal);
        continue;
      }
      const until = segmentEnd(trainer.stepCount, total, args.sampleEvery);
      const r = await trainer.run({ untilStep: until, signal: stopOrPause(), evalEvery: EVAL_EVERY, evalAtEnd: false });
      if (r.reason === 'aborted') continue; // paused or stopped: the loop's checks decide
      const step = trainer.stepCount;
      if (step % SAVE_EVERY === 0) await save();
      if (args.sampleEvery > 0 && step % args.sampleEvery === 0) {
        // Pause and Stop both cut the samples short: they must take effect within one step, not one image.
        const s = await sample(model, { count: SAMPLE_COUNT, seed: step, temperature: 1, signal: stopOrPause(), onStep: onSampleStep });
        if (!s.stopped) hooks.emit({ type: 'samples', step, images: s.images, count: SAMPLE_COUNT });
      }
    }
    if (hooks.signal.aborted) hooks.emit({ type: 'stopped', step: trainer.stepCount });
    if (trainer.stepCount > firstStep) {
      if (trainer.lastEval?.step !== trainer.stepCount) await trainer.evaluate();
      if (savedStep !== trainer.stepCount) await save();
    }
    const skipped = trainer.skippedSteps > 0 ? ` (${trainer.skippedSteps} skipped as non-finite)` : '';
    hooks.emit({ type: 'status', message: `Trained ${trainer.stepCount - firstStep} steps${skipped} in ${((performance.now() - started) / 1000).toFixed(1)} s.` });
    return { steps: trainer.stepCount, stopped: trainer.stepCount < total, key: args.saveKey, finalBitsPerDim: trainer.lastEval?.bitsPerDim ?? null };
  } catch (e) {
    if (e instanceof TrainingDivergedError) {
      const kept = savedStep >= 0 ? `the model saved at step ${savedStep} is kept` : 'nothing was saved';
      throw new Error(`${e.message}: lower the learning rate; ${kept}.`);
    }
    throw e;
  } finally {
    off();
  }
}

/**
 * The first `count` images of a built-in dataset's training split (its manifest.json at `manifestUrl`, an
 * absolute URL), uint8 [count,H,W,C]: only those bytes are requested (an HTTP Range; a server that ignores it
 * sends the whole file, which is then cut).
 */
export async function fetchTrainingSubset(manifestUrl: string, count: number, fetchFn: typeof fetch = fetch): Promise<{ images: Uint8Array; count: number; shape: [number, number, number] }> {
  const res = await fetchFn(manifestUrl);
  if (!res.ok) throw new Error(`${manifestUrl}: HTTP ${res.status}`);
  const manifest = parseManifest(await res.json());
  const [h, w, c] = manifest.shape;
  const n = Math.min(count, manifest.splits.train.count);
  if (n < 2) throw new Error(`${manifest.name}: its training split has ${manifest.splits.train.count} images, at least 2 are needed`);
  const bytes = n * h * w * c;
  const url = new URL(manifest.splits.train.files.pixels.path, manifestUrl).href;
  const part = await fetchFn(url, { headers: { Range: `bytes=0-${bytes - 1}` } });
  if (!part.ok) throw new Error(`${url}: HTTP ${part.status}`);
  const got = new Uint8Array(await part.arrayBuffer());
  if (got.length < bytes) throw new Error(`${url}: ${got.length} bytes, expected at least ${bytes}`);
  return { images: got.slice(0, bytes), count: n, shape: [h, w, c] };
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
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
