import type { OptimizerConfig, OptimizerKind } from './optimizers';
import type { LrSchedule } from './schedule';

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
  /**
   * Images per gradient chunk (micro-batch): a step sums the gradients of its chunks, weighted by their
   * sizes, which equals the whole batch's gradient up to float rounding. Default: the whole batch.
   * Not saved in checkpoints (it changes no result).
   */
  microBatch?: number;
  /**
   * Sizes the micro-batch from the measured time per image so that a chunk takes about this many
   * seconds (an interruptible step cannot be interrupted more often than once a chunk). Overrides
   * `microBatch` after the first step. Not saved in checkpoints.
   */
  chunkSec?: number;
  /**
   * The smallest micro-batch `chunkSec` chooses while such a chunk takes at most 2 × chunkSec (default 1).
   * A chunk has a fixed cost besides its images (on wasm, one image per chunk trained at about half the
   * speed of two: scripts/bench-microbatch.ts); on a machine so slow that it would not fit, one image.
   */
  minMicroBatch?: number;
  /**
   * On tfjs's 'cpu' backend, register the faster kernels of ./cpuKernels.ts for the span of each step
   * (default true; they give bit-identical results). Nothing outside a step sees them.
   */
  fastCpuKernels?: boolean;
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
