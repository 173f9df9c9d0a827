import type { EvalResult } from './evaluate';

/** What the Trainer reports: one event per step (or skipped step), evaluation, checkpoint and run end. */

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
  /** Gradient chunks the batch was computed in (1 without micro-batching). */
  chunks: number;
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

/** Thrown by step() when too many steps in a row had NaN/Inf losses, gradients or updates. */
export class TrainingDivergedError extends Error {
  constructor(readonly event: SkipEvent) {
    super(`Training diverged: ${event.consecutive} bad steps in a row (last: ${event.reason} at step ${event.step})`);
    this.name = 'TrainingDivergedError';
  }
}
