import { batchIterator, resumeBatchIterator, type BatchIterator, type BatchState, type BinarizeMode } from '../data/batches';
import { createDataset, type Dataset } from '../data/dataset';
import type { Split } from '../data/manifest';
import { deriveSeed, mulberry32 } from '../random';

/** [H, W, C] of one image. */
export type ImageShape = readonly [number, number, number];

/** One training batch: uint8 [size, H, W, C], 0/1 for binary models, 0..255 for RGB. */
export interface TrainBatch {
  images: Uint8Array;
  size: number;
  epoch: number;
  /**
   * A labelled dataset's classes of the images, uint8 [size], after label dropout: a class-conditional
   * model's training input (the value classNames.length is none).
   */
  labels?: Uint8Array;
}

/**
 * An endless, seeded, resumable stream of training batches. `state()` is JSON that a checkpoint keeps;
 * `setState(state)` makes the next batches those that followed when `state()` was taken.
 */
export interface BatchSource {
  readonly imageShape: ImageShape;
  readonly batchSize: number;
  next(): TrainBatch;
  state(): unknown;
  setState(state: unknown): void;
}

/** A fixed set of images to evaluate on: uint8 [count, H, W, C] in the model's value range. */
export interface EvalSet {
  readonly imageShape: ImageShape;
  readonly count: number;
  readonly images: Uint8Array;
  /** A labelled dataset's classes of the images, uint8 [count] (what a class-conditional model is given). */
  readonly labels?: Uint8Array;
}

export interface DatasetSourceOptions {
  batchSize: number;
  /** Seed of the data order (and of the dynamic binarisation). */
  seed: number;
  /** Default: the dataset's default (dynamic binarisation for binary training data, none for RGB). */
  binarize?: BinarizeMode;
  /**
   * Labelled datasets: the fraction of each batch's labels replaced by none (index classNames.length), drawn
   * per batch from (seed, epoch, batch index), so a resumed run drops the same ones. Default 0.2, as
   * train/train.py's --label-dropout.
   */
  labelDropout?: number;
}

/** Default fraction of labels replaced by none in training batches (train/train.py --label-dropout). */
export const LABEL_DROPOUT = 0.2;

/**
 * Shuffled batches of one split of a dataset (src/core/data's batchIterator), a fresh order each epoch.
 * Every batch has the same size (the last partial batch of an epoch is dropped, a different one each
 * epoch); a batch size larger than the split is reduced to the split's size, so a handful of uploaded
 * images can be fine-tuned on.
 */
export function datasetSource(dataset: Dataset, split: Split, options: DatasetSourceOptions): BatchSource {
  const n = dataset.count(split);
  if (n < 1) throw new Error(`dataset ${dataset.name}: split "${split}" is empty`);
  const batchSize = Math.min(options.batchSize, n);
  const iterOptions = { shuffle: true, dropLast: true, ...(options.binarize ? { binarize: options.binarize } : {}) };
  let it: BatchIterator = batchIterator(dataset, split, batchSize, mulberry32(options.seed), iterOptions);
  const all = dataset.labels(split);
  const none = dataset.classNames?.length ?? 0;
  const dropout = options.labelDropout ?? LABEL_DROPOUT;
  if (!(dropout >= 0 && dropout <= 1)) throw new Error(`labelDropout must be in [0, 1], got ${dropout}`);
  return {
    imageShape: dataset.shape,
    batchSize,
    next() {
      const b = it.next().value;
      if (!all) return { images: b.images, size: b.size, epoch: b.epoch };
      const drop = mulberry32(deriveSeed(deriveSeed(options.seed ^ 0x5bd1e995, b.epoch), b.index));
      const labels = Uint8Array.from(b.indices, (i) => (drop.next() < dropout ? none : all[i]!));
      return { images: b.images, size: b.size, epoch: b.epoch, labels };
    },
    state: () => ({ ...it.state() }),
    setState(state) {
      const s = state as BatchState;
      if (!s || typeof s !== 'object' || !Number.isInteger(s.epoch) || !Number.isInteger(s.index) || !Number.isInteger(s.rngState))
        throw new Error('datasetSource: a data state needs integer epoch, index and rngState');
      it = resumeBatchIterator(dataset, split, batchSize, s, iterOptions);
    },
  };
}

export interface ImagesSourceOptions extends DatasetSourceOptions {
  /** 'binary': grey 0..255 images drawn as 0/1 afresh every batch; 'rgb': values as they are. */
  kind: 'binary' | 'rgb';
}

/**
 * Batches from images in memory, e.g. a user's uploads for fine-tuning: uint8 [N, H, W, C] (grey 0..255
 * for a binary model, binarised dynamically; RGB 0..255 otherwise).
 */
export function imagesSource(images: Uint8Array, shape: ImageShape, options: ImagesSourceOptions): BatchSource {
  const dataset = createDataset({ name: 'images', kind: options.kind, shape: [shape[0], shape[1], shape[2]], images: { train: images } });
  return datasetSource(dataset, 'train', options);
}

/**
 * The images of a split to evaluate on, optionally only the first `limit`: the fixed binarisation for
 * binary datasets that have one (MNIST val/test), else the stored pixels.
 */
export function evalSet(dataset: Dataset, split: Split, limit?: number): EvalSet {
  const [h, w, c] = dataset.shape;
  const all = dataset.kind === 'binary' ? dataset.fixedBinary(split) : dataset.images(split);
  if (all === null) throw new Error(`dataset ${dataset.name}: split "${split}" has no fixed binarisation to evaluate on`);
  const total = dataset.count(split);
  const count = limit === undefined ? total : Math.max(0, Math.min(total, Math.floor(limit)));
  const labels = dataset.labels(split);
  return { imageShape: dataset.shape, count, images: all.subarray(0, count * h * w * c), ...(labels ? { labels: labels.subarray(0, count) } : {}) };
}
