/**
 * Training of PixelRNN Lab models (src/core/train): one loop for the browser worker and for Node.
 * No DOM, no Node APIs, nothing that knows about a UI: progress goes out as events.
 *
 *   const trainer = new Trainer(model, { train, valid }, { optimizer: 'rmsprop', lr: 1e-3, clipNorm: 100,
 *                                                          schedule: { kind: 'cosine', warmupSteps: 100, totalSteps: 10_000 } });
 *   trainer.on((ev) => ...);                       // 'step' | 'skip' | 'eval' | 'checkpoint' | 'done'
 *   await trainer.step();                          // one batch → StepEvent (or SkipEvent for a NaN/Inf step)
 *   await trainer.interruptibleStep(signal);       // the same, or null when an abort cut it short (nothing changed)
 *   await trainer.run({ steps, untilStep, signal, onEvent, evalEvery, checkpointEvery, onCheckpoint, timeLimitSec });
 *   await trainer.evaluate();                      // validation NLL → EvalEvent {nats, bitsPerDim, images}
 *   const ck = await trainer.checkpoint(card);     // tf.io.ModelArtifacts: weights + optimiser slots + state JSON
 *   await saveCheckpoint(trainer, handler, card);  // any tf.io handler: IndexedDB, files (scripts/lib/fileIO.ts)
 *   const t2 = await Trainer.restore(await loadCheckpoint(handler), { train, valid });  // resumes exactly
 *   trainer.dispose();
 *
 * Data: `BatchSource` gives uint8 batches [B,H,W,C] (0/1 for binary models, 0..255 for RGB) in a seeded,
 * resumable order: `datasetSource(dataset, 'train', {batchSize, seed})` over a loaded dataset (dynamic
 * binarisation for MNIST), `imagesSource(uint8, [H,W,C], {kind, batchSize, seed})` over images in memory
 * (fine-tuning on a handful of uploads; the batch shrinks to the number of images). `evalSet(dataset,
 * 'val', limit?)` is a fixed set to evaluate on (the fixed binarisation for MNIST).
 *
 * The step: loss = mean NLL in nats per image (bits/dim reported too); gradients by tf.variableGrads
 * inside tf.tidy; global-norm clipping; RMSProp or Adam (./optimizers.ts); learning-rate schedule
 * (./schedule.ts). The NaN guard: the update is computed but not written until the loss, the gradient
 * norm and Σ|new weights| have been read back (one `await data()` per step) and are
 * finite; otherwise the step is skipped (SkipEvent), so weights and optimiser state stay those of the
 * last good step. Too many bad steps in a row throw TrainingDivergedError.
 *
 * Micro-batches: `microBatch` (images per gradient chunk) or `chunkSec` (chunks of about that many seconds)
 * computes a step's gradient in chunks, summed with weights n/B: the whole batch's gradient up to float
 * rounding.
 *
 * Pause/resume: abort the signal given to run(); it yields to the event loop before every chunk (so a worker
 * sees the abort), drops the step in flight (its batch comes again next time) and returns; call run() again.
 * Files by job: the loop and its events in ./trainer.ts (types in ./events.ts, ./options.ts), a step's tensor math
 * in ./step.ts, checkpoint I/O in ./checkpoint.ts, the faster cpu kernels (registered only during steps) in
 * ./cpuKernels.ts, sizes to train from scratch in ./scratch.ts.
 * Determinism: the same model config (its seed), data seed and options give the same losses and weights;
 * a run restored from a checkpoint continues exactly as if never stopped.
 */
export {
  Trainer,
  TrainingDivergedError,
  saveCheckpoint,
  loadCheckpoint,
  CHECKPOINT_FORMAT,
} from './trainer';
export type {
  TrainData,
  TrainerOptions,
  ResolvedOptions,
  TrainerState,
  TrainEvent,
  TrainListener,
  StepEvent,
  SkipEvent,
  EvalEvent,
  CheckpointEvent,
  DoneEvent,
  StopReason,
  RunOptions,
  RunResult,
} from './trainer';
export { Optimizer } from './optimizers';
export type { OptimizerConfig, OptimizerKind } from './optimizers';
export { learningRateAt, validateSchedule } from './schedule';
export type { LrSchedule } from './schedule';
export { datasetSource, imagesSource, evalSet, LABEL_DROPOUT } from './sources';
export type { BatchSource, EvalSet, TrainBatch, ImageShape, DatasetSourceOptions, ImagesSourceOptions } from './sources';
export { evaluateNll, imagesToTensor } from './evaluate';
export type { EvalResult, EvalOptions } from './evaluate';
export { installFastCpuConvKernels, useFastCpuKernels } from './cpuKernels';
export { makeCheckpoint, trainerStateOf } from './checkpoint';
export { estimateImagesPerSec, flopsPerImage, SCRATCH_SIZES, scratchConfig } from './scratch';
export type { ScratchDataset, ScratchSize } from './scratch';
export { yieldToEventLoop } from './evaluate';
