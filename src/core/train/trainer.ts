import * as tf from '@tensorflow/tfjs';
import { fromArtifacts, type ModelCard } from '../io/artifacts';
import { bitsPerDim } from '../likelihood';
import { dims } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { makeCheckpoint, restoreSlots, splitCheckpoint, trainerStateOf, CHECKPOINT_FORMAT, type TrainerState } from './checkpoint';
import { useFastCpuKernels } from './cpuKernels';
import { evaluateNll, now, yieldToEventLoop } from './evaluate';
import { TrainingDivergedError, type DoneEvent, type EvalEvent, type SkipEvent, type StepEvent, type StopReason, type TrainEvent, type TrainListener } from './events';
import { Optimizer, type OptimizerConfig } from './optimizers';
import type { ResolvedOptions, TrainerOptions } from './options';
import { learningRateAt, validateSchedule } from './schedule';
import { chunkGradient, proposeUpdate } from './step';
import type { BatchSource, EvalSet } from './sources';

export { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint';
export { TrainingDivergedError, type CheckpointEvent, type DoneEvent, type EvalEvent, type SkipEvent, type StepEvent, type StopReason, type TrainEvent, type TrainListener } from './events';
export type { ResolvedOptions, TrainerOptions } from './options';

export interface TrainData {
  train: BatchSource;
  /** Evaluated by `evaluate()` and at `evalEvery` in `run()`. */
  valid?: EvalSet;
}

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

/**
 * Trains a PixelModel: one `step()` = one batch, one gradient (summed over micro-batch chunks), one
 * (checked) optimiser update. See ./index.ts for the overview.
 */
export class Trainer {
  readonly options: ResolvedOptions;
  readonly optimizer: Optimizer;
  /** Steps done (including skipped ones). */
  stepCount = 0;
  skippedSteps = 0;
  lastEval: EvalEvent | null = null;
  /** Images per gradient chunk of the next step (see TrainerOptions.microBatch and chunkSec). */
  microBatch: number;
  private consecutiveSkips = 0;
  private elapsedMs = 0;
  private readonly listeners = new Set<TrainListener>();
  private emaStepSec = 0;
  private stepsTimed = 0;
  private runTarget: number | null = null;
  private readonly lrOverride?: (step: number) => number;
  private readonly chunkSec: number | null;
  private readonly minMicroBatch: number;
  private readonly fastCpuKernels: boolean;
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
    this.microBatch = clampInt(options.microBatch ?? data.train.batchSize, 1, data.train.batchSize);
    this.chunkSec = options.chunkSec !== undefined && options.chunkSec > 0 ? options.chunkSec : null;
    this.minMicroBatch = clampInt(options.minMicroBatch ?? 1, 1, data.train.batchSize);
    this.fastCpuKernels = options.fastCpuKernels ?? true;
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
    return (await this.interruptibleStep())!;
  }

  /**
   * step(), cut short by `signal`. Before each gradient chunk it yields to the event loop (so a worker
   * handles the messages that arrived, e.g. Pause or Stop; tfjs's cpu and wasm backends read data back
   * without ever doing so), and if the signal is then aborted it drops the partial gradient, puts the
   * batch back (the next step draws the same one) and returns null: nothing has changed. So an abort takes
   * effect within one chunk, not one step.
   */
  async interruptibleStep(signal?: AbortSignal): Promise<StepEvent | SkipEvent | null> {
    const t0 = now();
    const index = this.stepCount;
    const source = this.data.train;
    const before = signal ? source.state() : null;
    const batch = source.next();
    const lr = this.learningRate(index);
    const vars = [...this.model.params.vars.values()];
    const chunk = clampInt(this.microBatch, 1, batch.size);
    const chunks = Math.ceil(batch.size / chunk);
    const release = this.fastCpuKernels && tf.getBackend() === 'cpu' ? useFastCpuKernels() : null;
    let sum: tf.Tensor[] = []; // [loss, ...gradients in the order of vars], summed over the chunks so far
    let stats: Float32Array;
    let reason: SkipEvent['reason'] | null;
    try {
      for (let k = 0; k < chunks; k++) {
        if (signal) {
          await yieldToEventLoop();
          if (signal.aborted) {
            source.setState(before);
            return null;
          }
        }
        const part = chunkGradient(this.model, source.imageShape, batch.images, k * chunk, Math.min(chunk, batch.size - k * chunk), batch.size, vars, batch.labels);
        const prev = sum;
        sum = prev.length ? tf.tidy(() => part.map((t, i) => tf.add(prev[i]!, t))) : part;
        if (prev.length) tf.dispose([...prev, ...part]);
      }
      const out = proposeUpdate(this.optimizer, [...this.model.params.vars.keys()], sum, lr, this.options.clipNorm);
      try {
        stats = (await out.stats.data()) as Float32Array;
        const [loss, gradNorm, magnitude] = [stats[0]!, stats[1]!, stats[2]!];
        reason = !Number.isFinite(loss) ? 'non-finite loss' : !Number.isFinite(gradNorm) ? 'non-finite gradient' : !Number.isFinite(magnitude) ? 'non-finite update' : null;
        if (reason === null) this.optimizer.commit({ weights: out.weights, slots: out.slots });
      } finally {
        tf.dispose([out.stats, ...out.weights.values(), ...out.slots.values()]);
      }
    } finally {
      tf.dispose(sum);
      release?.();
    }
    const [loss, gradNorm] = [stats[0]!, stats[1]!];
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
    this.resizeChunks(sec / batch.size, batch.size);
    const clip = this.options.clipNorm;
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
      chunks,
      imagesPerSec: batch.size / this.emaStepSec,
      stepsPerSec: 1 / this.emaStepSec,
      etaSec: this.runTarget === null ? null : Math.max(0, this.runTarget - this.stepCount) * this.emaStepSec,
      elapsedSec: this.elapsedSec,
    };
    this.emit(ev);
    return ev;
  }

  /**
   * With `chunkSec`: the next micro-batch, as many images as take about chunkSec at this step's seconds per
   * image (a full chunk's time, not the mean of uneven ones), at most doubling per step, at least
   * minMicroBatch while such a chunk takes at most twice chunkSec, and at least 1.
   */
  private resizeChunks(secPerImage: number, batchSize: number): void {
    if (this.chunkSec === null) return;
    if (this.stepsTimed++ === 0) return; // the first step of a session includes compiling and warm-up
    const want = Math.floor(this.chunkSec / Math.max(secPerImage, 1e-9));
    let next = Math.min(want, 2 * this.microBatch);
    if (next < this.minMicroBatch && this.minMicroBatch * secPerImage <= 2 * this.chunkSec) next = this.minMicroBatch;
    this.microBatch = clampInt(next, 1, batchSize);
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
   * aborting the signal: the step in flight is dropped at its next chunk (or the evaluation at its next
   * batch), and run() returns; calling run() again resumes where it stopped, starting with an evaluation
   * an abort cut short.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const target = options.untilStep ?? (options.steps !== undefined ? this.stepCount + options.steps : Infinity);
    const remove = options.onEvent ? this.on(options.onEvent) : null;
    const start = now();
    const { signal } = options;
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
    /** Evaluates unless the signal cuts it short (then false). */
    const evaluated = async (): Promise<boolean> => {
      try {
        await this.evaluate(undefined, signal);
        return true;
      } catch (e) {
        if (signal?.aborted) return false;
        throw e;
      }
    };
    const evalDue = () => evalEvery > 0 && this.data.valid !== undefined && this.stepCount > 0 && this.stepCount % evalEvery === 0 && this.lastEval?.step !== this.stepCount;
    try {
      let lastCkpt = -1;
      if (evalDue() && !(await evaluated())) reason = 'aborted'; // owed by a run an abort cut short
      while (reason === 'steps' && this.stepCount < target) {
        if (signal?.aborted) {
          reason = 'aborted';
          break;
        }
        if (now() - start >= limitMs) {
          reason = 'time-limit';
          break;
        }
        if ((await this.interruptibleStep(signal)) === null) {
          reason = 'aborted';
          break;
        }
        if (evalDue() && !(await evaluated())) {
          reason = 'aborted';
          break;
        }
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

  /** A checkpoint as tfjs ModelArtifacts (see ./checkpoint.ts); Trainer.restore reads it back. */
  checkpoint(card: ModelCard = {}): Promise<tf.io.ModelArtifacts> {
    return makeCheckpoint(this, card);
  }

  /**
   * Rebuilds a trainer from a checkpoint. `data` must be built like the original's (same dataset, split,
   * batch size and seed); its training source is moved to where the checkpoint stopped. The restored
   * trainer owns its model (dispose() frees it).
   */
  static async restore(
    checkpoint: tf.io.ModelArtifacts,
    data: TrainData,
    overrides: Pick<TrainerOptions, 'lrAt' | 'microBatch' | 'chunkSec' | 'minMicroBatch' | 'fastCpuKernels'> = {},
  ): Promise<Trainer> {
    const state = trainerStateOf(checkpoint);
    if (data.train.batchSize !== state.batchSize)
      throw new Error(`The checkpoint was trained with batch size ${state.batchSize}, this data source gives ${data.train.batchSize}: the data order would not resume`);
    const { model: modelPart, opt } = splitCheckpoint(checkpoint);
    const { model } = await fromArtifacts(modelPart, 'the checkpoint');
    let trainer: Trainer;
    try {
      trainer = new Trainer(model, data, { ...state.options, ...overrides });
      trainer.ownsModel = true;
      restoreSlots(opt, trainer.optimizer.slots);
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

function clampInt(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.floor(v)));
}
