import * as tf from '@tensorflow/tfjs';
import { fromArtifacts, toArtifacts, type ModelCard } from '../io/artifacts';
import { bitsPerDim, meanNll } from '../likelihood';
import { dims } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { installFastCpuConvKernels } from './cpuKernels';
import { evaluateNll, imagesToTensor, now, type EvalResult } from './evaluate';
import { Optimizer, type OptimizerConfig, type OptimizerKind } from './optimizers';
import { learningRateAt, validateSchedule, type LrSchedule } from './schedule';
import type { BatchSource, EvalSet } from './sources';

export interface TrainData {
  train: BatchSource;
  /** Evaluated by `evaluate()` and at `evalEvery` in `run()`. */
  valid?: EvalSet;
}

export interface TrainerOptions {
  /** 'rmsprop' (the paper's, default) or 'adam', or a full config. */
  optimizer?: OptimizerKind | OptimizerConfig;
  /** Base learning rate (default 1e-3). */
  lr?: number;
  /** Default constant. */
  schedule?: LrSchedule;
  /** Clip the global gradient norm to this value; 0 turns clipping off (default 0). */
  clipNorm?: number;
  /** Images per evaluation batch (default: the training batch size). */
  evalBatchSize?: number;
  /** After this many bad steps in a row, step() throws a TrainingDivergedError (default 10). */
  maxConsecutiveSkips?: number;
  /** Overrides the schedule (tests, experiments): lr of 0-based step s. Not saved in checkpoints. */
  lrAt?: (step: number) => number;
}

/** The options as stored in a checkpoint. */
export interface ResolvedOptions {
  optimizer: Required<OptimizerConfig>;
  lr: number;
  schedule: LrSchedule;
  clipNorm: number;
  evalBatchSize: number;
  maxConsecutiveSkips: number;
}

export interface StepEvent {
  type: 'step';
  /** Steps done, this one included (skipped steps count: they consumed a batch). */
  step: number;
  epoch: number;
  /** Mean NLL of the batch in nats per image, before the update. */
  loss: number;
  bitsPerDim: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  clipped: boolean;
  lr: number;
  batchSize: number;
  /** Smoothed over recent steps. */
  imagesPerSec: number;
  stepsPerSec: number;
  /** Seconds left to the target of the current run(), null outside run(). */
  etaSec: number | null;
  /** Training wall time so far, over all sessions of this run (restored from checkpoints). */
  elapsedSec: number;
}

export interface SkipEvent {
  type: 'skip';
  step: number;
  epoch: number;
  reason: 'non-finite loss' | 'non-finite gradient' | 'non-finite update';
  loss: number;
  gradNorm: number;
  lr: number;
  /** Bad steps in a row, this one included. */
  consecutive: number;
}

export interface EvalEvent extends EvalResult {
  type: 'eval';
  step: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
}

export type StopReason = 'steps' | 'aborted' | 'time-limit';

export interface DoneEvent {
  type: 'done';
  step: number;
  reason: StopReason;
  elapsedSec: number;
}

export type TrainEvent = StepEvent | SkipEvent | EvalEvent | CheckpointEvent | DoneEvent;
export type TrainListener = (event: TrainEvent) => void;

export interface RunOptions {
  /** Steps to do in this call (default: until `untilStep`, else forever until aborted). */
  steps?: number;
  /** Stop when the step count reaches this (a total, e.g. the target of a resumed run). */
  untilStep?: number;
  /** Abort to pause: run() returns after the current step; call run() again to continue. */
  signal?: AbortSignal;
  /** Receives every event of this call (in addition to listeners added with `on`). */
  onEvent?: TrainListener;
  /** Evaluate on `valid` every this many steps (0: never). */
  evalEvery?: number;
  /** Evaluate once more at the end unless the last step was just evaluated (default true when valid exists). */
  evalAtEnd?: boolean;
  /** Call `onCheckpoint` with a checkpoint every this many steps, and at the end (0: never). */
  checkpointEvery?: number;
  onCheckpoint?: (checkpoint: tf.io.ModelArtifacts) => Promise<void> | void;
  /** Card stored in checkpoints made by this run, or a function giving it (called at each checkpoint). */
  card?: ModelCard | (() => ModelCard);
  /** Stop cleanly after this many seconds of this call (then the end evaluation and checkpoint run). */
  timeLimitSec?: number;
}

export interface RunResult {
  reason: StopReason;
  step: number;
  lastEval: EvalEvent | null;
  elapsedSec: number;
}

export const CHECKPOINT_FORMAT = 'pixelrnn-lab/checkpoint@1';
const OPT_PREFIX = 'opt/';

/** What a checkpoint keeps besides the weights (userDefinedMetadata.trainer). */
export interface TrainerState {
  format: typeof CHECKPOINT_FORMAT;
  step: number;
  skippedSteps: number;
  optimizerUpdates: number;
  options: ResolvedOptions;
  /** The training source's state(): where the data order resumes. */
  data: unknown;
  batchSize: number;
  elapsedSec: number;
  lastEval: EvalEvent | null;
}

/** Thrown by step() when too many steps in a row had NaN/Inf losses, gradients or updates. */
export class TrainingDivergedError extends Error {
  constructor(readonly event: SkipEvent) {
    super(`Training diverged: ${event.consecutive} bad steps in a row (last: ${event.reason} at step ${event.step})`);
    this.name = 'TrainingDivergedError';
  }
}

/**
 * Trains a PixelModel: one `step()` = one batch, one gradient, one (checked) optimiser update.
 * See ./index.ts for the overview.
 */
export class Trainer {
  readonly options: ResolvedOptions;
  readonly optimizer: Optimizer;
  /** Steps done (including skipped ones). */
  stepCount = 0;
  skippedSteps = 0;
  lastEval: EvalEvent | null = null;
  private consecutiveSkips = 0;
  private elapsedMs = 0;
  private readonly listeners = new Set<TrainListener>();
  private emaStepSec = 0;
  private runTarget: number | null = null;
  private readonly lrOverride?: (step: number) => number;
  private ownsModel = false;

  constructor(
    readonly model: PixelModel,
    readonly data: TrainData,
    options: TrainerOptions = {},
  ) {
    const { height: H, width: W, channels: C } = model.config;
    const [h, w, c] = data.train.imageShape;
    if (h !== H || w !== W || c !== C) throw new Error(`Training images are ${h}×${w}×${c}, the model needs ${H}×${W}×${C}`);
    const opt: OptimizerConfig = typeof options.optimizer === 'object' ? options.optimizer : { kind: options.optimizer ?? 'rmsprop' };
    const schedule = options.schedule ?? { kind: 'constant' };
    validateSchedule(schedule);
    const lr = options.lr ?? 1e-3;
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`lr must be a positive number, got ${lr}`);
    if (tf.getBackend() === 'cpu') installFastCpuConvKernels();
    this.optimizer = new Optimizer(opt, model.params.vars);
    this.options = {
      optimizer: this.optimizer.config,
      lr,
      schedule,
      clipNorm: Math.max(0, options.clipNorm ?? 0),
      evalBatchSize: Math.max(1, Math.floor(options.evalBatchSize ?? data.train.batchSize)),
      maxConsecutiveSkips: Math.max(1, Math.floor(options.maxConsecutiveSkips ?? 10)),
    };
    this.lrOverride = options.lrAt;
  }

  /** Adds a listener for every event; returns a function that removes it. */
  on(listener: TrainListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Learning rate of the 0-based step `step`. */
  learningRate(step = this.stepCount): number {
    return this.lrOverride ? this.lrOverride(step) : learningRateAt(this.options.lr, this.options.schedule, step);
  }

  get elapsedSec(): number {
    return this.elapsedMs / 1000;
  }

  /**
   * One training step. The update is computed, then the loss, the gradient norm and the new weights are
   * checked for NaN/Inf (one `await data()`), and only a good update is written: a bad
   * step leaves weights and optimiser state exactly as they were after the last good step, and is
   * reported as a SkipEvent.
   */
  async step(): Promise<StepEvent | SkipEvent> {
    const t0 = now();
    const index = this.stepCount;
    const batch = this.data.train.next();
    const lr = this.learningRate(index);
    const { output } = this.model.config;
    const names = [...this.model.params.vars.keys()];
    const vars = [...this.model.params.vars.values()];
    const clip = this.options.clipNorm;

    let slotNames: string[] = [];
    let weightNames: string[] = [];
    const out = tf.tidy(() => {
      const x = imagesToTensor(batch.images, this.data.train.imageShape); // [B,H,W,C]
      const { value, grads } = tf.variableGrads(() => meanNll(this.model.logits(x), x, output), vars);
      const g = new Map<string, tf.Tensor>(names.map((n, i) => [n, grads[vars[i]!.name]!]));
      const norm = tf.sqrt(sumAll([...g.values()].map((t) => tf.sum(tf.square(t))))); // scalar
      if (clip > 0) {
        const factor = tf.minimum(1, tf.div(clip, tf.maximum(norm, 1e-30))); // scalar
        for (const [n, t] of g) g.set(n, tf.mul(t, factor));
      }
      const p = this.optimizer.propose(g, lr);
      weightNames = [...p.weights.keys()];
      slotNames = [...p.slots.keys()];
      // Σ|new weights|: finite iff every new weight is (NaN and Inf propagate through sums on every
      // backend, unlike max/min or isNaN, which GPU compilers may optimise away). The slots need no check:
      // with a finite gradient norm, m, v and ms are finite, and a non-finite momentum makes a weight so.
      const magnitude = sumAll([...p.weights.values()].map((t) => tf.sum(tf.abs(t))));
      const stats = tf.stack([value, norm, magnitude]); // [3]
      return { stats, weights: [...p.weights.values()], slots: [...p.slots.values()] };
    });
    let stats: Float32Array;
    try {
      stats = (await out.stats.data()) as Float32Array;
    } catch (e) {
      tf.dispose([out.stats, ...out.weights, ...out.slots]);
      throw e;
    }
    const [loss, gradNorm, magnitude] = [stats[0]!, stats[1]!, stats[2]!];
    const reason = !Number.isFinite(loss) ? 'non-finite loss' : !Number.isFinite(gradNorm) ? 'non-finite gradient' : !Number.isFinite(magnitude) ? 'non-finite update' : null;
    if (reason === null) {
      this.optimizer.commit({
        weights: new Map(weightNames.map((n, i) => [n, out.weights[i]!])),
        slots: new Map(slotNames.map((n, i) => [n, out.slots[i]!])),
      });
    }
    tf.dispose([out.stats, ...out.weights, ...out.slots]);
    this.stepCount++;
    const sec = (now() - t0) / 1000;
    this.elapsedMs += sec * 1000;

    if (reason !== null) {
      this.skippedSteps++;
      this.consecutiveSkips++;
      const ev: SkipEvent = { type: 'skip', step: this.stepCount, epoch: batch.epoch, reason, loss, gradNorm, lr, consecutive: this.consecutiveSkips };
      this.emit(ev);
      if (this.consecutiveSkips >= this.options.maxConsecutiveSkips) throw new TrainingDivergedError(ev);
      return ev;
    }
    this.consecutiveSkips = 0;
    this.emaStepSec = this.emaStepSec === 0 ? sec : 0.9 * this.emaStepSec + 0.1 * sec;
    const ev: StepEvent = {
      type: 'step',
      step: this.stepCount,
      epoch: batch.epoch,
      loss,
      bitsPerDim: bitsPerDim(loss, dims(this.model.config)),
      gradNorm,
      clipped: clip > 0 && gradNorm > clip,
      lr,
      batchSize: batch.size,
      imagesPerSec: batch.size / this.emaStepSec,
      stepsPerSec: 1 / this.emaStepSec,
      etaSec: this.runTarget === null ? null : Math.max(0, this.runTarget - this.stepCount) * this.emaStepSec,
      elapsedSec: this.elapsedSec,
    };
    this.emit(ev);
    return ev;
  }

  /** NLL on the validation set (data.valid, or `set`), emitted as an EvalEvent and kept in lastEval. */
  async evaluate(set: EvalSet | undefined = this.data.valid, signal?: AbortSignal): Promise<EvalEvent> {
    if (!set) throw new Error('No validation set to evaluate on');
    const t0 = now();
    const r = await evaluateNll(this.model, set, { batchSize: this.options.evalBatchSize, signal });
    this.elapsedMs += now() - t0;
    const ev: EvalEvent = { type: 'eval', step: this.stepCount, ...r };
    if (set === this.data.valid) this.lastEval = ev;
    this.emit(ev);
    return ev;
  }

  /**
   * Steps until a target, an abort or a time limit, with periodic evaluation and checkpoints. Pausing is
   * aborting the signal; calling run() again resumes where it stopped.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const target = options.untilStep ?? (options.steps !== undefined ? this.stepCount + options.steps : Infinity);
    const remove = options.onEvent ? this.on(options.onEvent) : null;
    const start = now();
    const evalEvery = options.evalEvery ?? 0;
    const ckptEvery = options.checkpointEvery ?? 0;
    const evalAtEnd = options.evalAtEnd ?? this.data.valid !== undefined;
    const limitMs = options.timeLimitSec !== undefined ? options.timeLimitSec * 1000 : Infinity;
    let reason: StopReason = 'steps';
    this.runTarget = Number.isFinite(target) ? target : null;
    const checkpoint = async () => {
      if (!options.onCheckpoint) return;
      const card = typeof options.card === 'function' ? options.card() : options.card;
      await options.onCheckpoint(await this.checkpoint(card));
      this.emit({ type: 'checkpoint', step: this.stepCount });
    };
    try {
      let lastCkpt = -1;
      while (this.stepCount < target) {
        if (options.signal?.aborted) {
          reason = 'aborted';
          break;
        }
        if (now() - start >= limitMs) {
          reason = 'time-limit';
          break;
        }
        await this.step();
        if (evalEvery > 0 && this.data.valid && this.stepCount % evalEvery === 0) await this.evaluate();
        if (ckptEvery > 0 && this.stepCount % ckptEvery === 0) {
          await checkpoint();
          lastCkpt = this.stepCount;
        }
      }
      if (evalAtEnd && this.data.valid && this.lastEval?.step !== this.stepCount && reason !== 'aborted') await this.evaluate();
      if (ckptEvery > 0 && lastCkpt !== this.stepCount) await checkpoint();
      const done: DoneEvent = { type: 'done', step: this.stepCount, reason, elapsedSec: this.elapsedSec };
      this.emit(done);
      return { reason, step: this.stepCount, lastEval: this.lastEval, elapsedSec: this.elapsedSec };
    } finally {
      this.runTarget = null;
      remove?.();
    }
  }

  /** Everything a run needs to continue, as JSON (userDefinedMetadata.trainer of a checkpoint). */
  state(): TrainerState {
    return {
      format: CHECKPOINT_FORMAT,
      step: this.stepCount,
      skippedSteps: this.skippedSteps,
      optimizerUpdates: this.optimizer.updates,
      options: this.options,
      data: this.data.train.state(),
      batchSize: this.data.train.batchSize,
      elapsedSec: this.elapsedSec,
      lastEval: this.lastEval,
    };
  }

  /**
   * A checkpoint as tfjs ModelArtifacts: the model (config, weights) followed by the optimiser slots as
   * weights named "opt/<slot>/<param>", with the trainer state and the card in userDefinedMetadata. Any
   * tf.io handler stores it (IndexedDB, files via scripts/lib/fileIO.ts); Trainer.restore reads it back.
   */
  async checkpoint(card: ModelCard = {}): Promise<tf.io.ModelArtifacts> {
    const model = await toArtifacts(this.model, card);
    const named = [...this.optimizer.slots].map(([name, tensor]) => ({ name: OPT_PREFIX + name, tensor }));
    const opt = await tf.io.encodeWeights(named);
    const modelData = model.weightData as ArrayBuffer;
    return {
      ...model,
      format: CHECKPOINT_FORMAT,
      weightSpecs: [...model.weightSpecs!, ...opt.specs],
      weightData: tf.io.concatenateArrayBuffers([modelData, opt.data as ArrayBuffer]),
      userDefinedMetadata: { card, trainer: this.state() } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'],
    };
  }

  /**
   * Rebuilds a trainer from a checkpoint. `data` must be built like the original's (same dataset, split,
   * batch size and seed); its training source is moved to where the checkpoint stopped. The restored
   * trainer owns its model (dispose() frees it).
   */
  static async restore(checkpoint: tf.io.ModelArtifacts, data: TrainData, overrides: Pick<TrainerOptions, 'lrAt'> = {}): Promise<Trainer> {
    const state = (checkpoint.userDefinedMetadata as { trainer?: TrainerState } | undefined)?.trainer;
    if (!state || state.format !== CHECKPOINT_FORMAT) throw new Error(`Not a training checkpoint (no "${CHECKPOINT_FORMAT}" trainer state)`);
    if (data.train.batchSize !== state.batchSize)
      throw new Error(`The checkpoint was trained with batch size ${state.batchSize}, this data source gives ${data.train.batchSize}: the data order would not resume`);
    const { model: modelPart, opt } = splitCheckpoint(checkpoint);
    const { model } = await fromArtifacts(modelPart, 'the checkpoint');
    let trainer: Trainer;
    try {
      trainer = new Trainer(model, data, { ...state.options, ...overrides });
      trainer.ownsModel = true;
      const decoded = tf.io.decodeWeights(opt.data, opt.specs);
      try {
        for (const [name, v] of trainer.optimizer.slots) {
          const t = decoded[OPT_PREFIX + name];
          if (!t) throw new Error(`The checkpoint has no optimiser state "${name}"`);
          if (t.shape.join('x') !== v.shape.join('x')) throw new Error(`Optimiser state "${name}" has shape [${t.shape.join(',')}], expected [${v.shape.join(',')}]`);
          v.assign(t);
        }
      } finally {
        tf.dispose(Object.values(decoded));
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    trainer.optimizer.updates = state.optimizerUpdates;
    trainer.stepCount = state.step;
    trainer.skippedSteps = state.skippedSteps;
    trainer.elapsedMs = state.elapsedSec * 1000;
    trainer.lastEval = state.lastEval;
    data.train.setState(state.data);
    return trainer;
  }

  /** Frees the optimiser state, and the model too if this trainer made it (restore) or `model` is true. */
  dispose(options: { model?: boolean } = {}): void {
    this.optimizer.dispose();
    if (options.model ?? this.ownsModel) this.model.dispose();
    this.listeners.clear();
  }

  private emit(ev: TrainEvent): void {
    for (const l of this.listeners) l(ev);
  }
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

/** The model's weights and the optimiser's, as two artifacts / weight sets. */
function splitCheckpoint(ck: tf.io.ModelArtifacts): { model: tf.io.ModelArtifacts; opt: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } } {
  if (!ck.weightSpecs || !ck.weightData) throw new Error('The checkpoint has no weights');
  const data = tf.io.concatenateArrayBuffers(Array.isArray(ck.weightData) ? ck.weightData : [ck.weightData]);
  const modelSpecs: tf.io.WeightsManifestEntry[] = [];
  const optSpecs: tf.io.WeightsManifestEntry[] = [];
  const modelParts: ArrayBuffer[] = [];
  const optParts: ArrayBuffer[] = [];
  let offset = 0;
  for (const s of ck.weightSpecs) {
    if (s.dtype !== 'float32' || s.quantization) throw new Error(`Checkpoint weight "${s.name}" is not plain float32`);
    const bytes = s.shape.reduce((a, b) => a * b, 1) * 4;
    if (offset + bytes > data.byteLength) throw new Error('The checkpoint weights are truncated');
    const part = data.slice(offset, offset + bytes);
    offset += bytes;
    if (s.name.startsWith(OPT_PREFIX)) {
      optSpecs.push(s);
      optParts.push(part);
    } else {
      modelSpecs.push(s);
      modelParts.push(part);
    }
  }
  const { userDefinedMetadata, ...rest } = ck;
  const card = (userDefinedMetadata as { card?: ModelCard } | undefined)?.card ?? {};
  return {
    model: { ...rest, weightSpecs: modelSpecs, weightData: tf.io.concatenateArrayBuffers(modelParts), userDefinedMetadata: { card } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'] },
    opt: { specs: optSpecs, data: tf.io.concatenateArrayBuffers(optParts) },
  };
}

/** Saves a checkpoint through any tf.io handler. */
export async function saveCheckpoint(trainer: Trainer, handler: tf.io.IOHandler, card?: ModelCard): Promise<void> {
  if (!handler.save) throw new Error('This storage cannot save');
  await handler.save(await trainer.checkpoint(card));
}

/** Loads checkpoint artifacts through any tf.io handler (pass them to Trainer.restore). */
export async function loadCheckpoint(handler: tf.io.IOHandler): Promise<tf.io.ModelArtifacts> {
  if (!handler.load) throw new Error('This storage cannot load');
  return handler.load();
}
