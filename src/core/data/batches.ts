/**
 * Mini-batches over one split, reshuffled every epoch with a seeded generator, and resumable exactly from a
 * checkpoint. For binarised datasets the training split is binarised afresh in every batch (dynamic
 * binarisation) and val/test use their fixed draw.
 *
 * Everything random in epoch e is derived from the generator's state at the start of e: one draw keys the
 * epoch (and through it each batch's binarisation stream), then the shuffle. So {epoch, index, rngState}
 * is enough to rebuild the iterator mid-epoch and get the same next batches, without replaying the
 * binarisation of the batches already seen.
 */

import { deriveSeed, mulberry32, type Rng } from '../random';
import { binarize } from './binarize';
import type { Dataset } from './dataset';
import type { Split } from './manifest';

/** Where an iterator is: the next batch is batch `index` of `epoch`; `rngState` is the state at its start. */
export interface BatchState {
  epoch: number;
  index: number;
  rngState: number;
}

export interface Batch {
  /** uint8 [size, H, W, C]: 0/1 when binarised, else the stored pixels. */
  images: Uint8Array;
  size: number;
  /** Position of each image in the split, to look up what was drawn. */
  indices: Int32Array;
  epoch: number;
  /** Batch number within the epoch. */
  index: number;
}

/**
 * 'dynamic': a fresh Bernoulli(grey / 255) draw per batch; 'fixed': the split's stored fixed draw;
 * 'none': stored pixels as they are.
 */
export type BinarizeMode = 'dynamic' | 'fixed' | 'none';

export interface BatchOptions {
  /** Default: for 'binary' datasets, 'fixed' where the split has a fixed draw, else 'dynamic'; 'none' for 'rgb'. */
  binarize?: BinarizeMode;
  /** Visit images in stored order (evaluation); the generator still keys each epoch. Default true. */
  shuffle?: boolean;
  /** Skip the last, smaller batch of an epoch, for loops that want one batch shape. Default false. */
  dropLast?: boolean;
}

/** An endless stream of batches across epochs; `state()` says where it is, for checkpoints. */
export interface BatchIterator extends IterableIterator<Batch> {
  next(): IteratorResult<Batch, never>;
  state(): BatchState;
  batchesPerEpoch: number;
}

/**
 * Batches of `split`, starting from `rng`'s current state. The iterator owns `rng`: drawing from it
 * elsewhere would make the recorded states fail to reproduce the stream.
 */
export function batchIterator(
  dataset: Dataset,
  split: Split,
  batchSize: number,
  rng: Rng,
  options: BatchOptions = {},
): BatchIterator {
  return makeIterator(dataset, split, batchSize, rng, { epoch: 0, index: 0, rngState: rng.state() }, options);
}

/**
 * The iterator that `state()` described, with the same dataset, split, batch size and options: its next
 * batches are identical to those the saved iterator would have produced. The generator is rebuilt as
 * mulberry32 from `state.rngState`, so the saved iterator must have been given a mulberry32 generator.
 */
export function resumeBatchIterator(
  dataset: Dataset,
  split: Split,
  batchSize: number,
  state: BatchState,
  options: BatchOptions = {},
): BatchIterator {
  return makeIterator(dataset, split, batchSize, mulberry32(state.rngState), state, options);
}

function makeIterator(
  dataset: Dataset,
  split: Split,
  batchSize: number,
  rng: Rng,
  start: BatchState,
  options: BatchOptions,
): BatchIterator {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const [h, w, c] = dataset.shape;
  const imageSize = h * w * c;
  const n = dataset.count(split);
  const mode = options.binarize ?? defaultMode(dataset, split);
  const source = mode === 'fixed' ? dataset.fixedBinary(split) : dataset.images(split);
  if (source === null) throw new Error(`dataset ${dataset.name}: split "${split}" has no fixed binarisation`);
  if (mode !== 'none' && c !== 1) throw new Error(`dataset ${dataset.name}: only 1-channel images can be binarised`);
  const shuffle = options.shuffle ?? true;
  const batchesPerEpoch = options.dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (batchesPerEpoch === 0) throw new Error(`dataset ${dataset.name}: split "${split}" has fewer than one batch`);

  if (!Number.isInteger(start.index) || start.index < 0 || start.index > batchesPerEpoch) {
    throw new Error(`batch state index ${start.index} is outside 0..${batchesPerEpoch}: saved with another batch size or split?`);
  }

  let epoch = start.epoch;
  let index = start.index;
  let epochStart = 0; // generator state when the current epoch began
  let epochKey = 0; // the current epoch's first draw; keys each batch's binarisation stream
  const order = new Int32Array(n);

  /** 1) key the epoch with one draw, 2) shuffle (Fisher–Yates) or keep stored order. */
  const beginEpoch = () => {
    epochStart = rng.state();
    epochKey = Math.floor(rng.next() * 4294967296);
    for (let i = 0; i < n; i++) order[i] = i;
    if (!shuffle) return;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  };
  beginEpoch();

  const iterator: BatchIterator = {
    batchesPerEpoch,
    state: () =>
      index < batchesPerEpoch ? { epoch, index, rngState: epochStart } : { epoch: epoch + 1, index: 0, rngState: rng.state() },
    next() {
      if (index >= batchesPerEpoch) {
        epoch++;
        index = 0;
        beginEpoch();
      }
      const from = index * batchSize;
      const size = Math.min(batchSize, n - from);
      const indices = order.slice(from, from + size);
      const gathered = new Uint8Array(size * imageSize); // [size, H, W, C]
      for (let b = 0; b < size; b++) {
        const at = indices[b]! * imageSize;
        gathered.set(source.subarray(at, at + imageSize), b * imageSize);
      }
      // Each batch's draw has its own stream, keyed by (epoch, batch): resuming needs no replay.
      const images = mode === 'dynamic' ? binarize(gathered, mulberry32(deriveSeed(epochKey, index))) : gathered;
      const batch: Batch = { images, size, indices, epoch, index };
      index++;
      return { value: batch, done: false };
    },
    [Symbol.iterator]() {
      return iterator;
    },
  };
  return iterator;
}

function defaultMode(dataset: Dataset, split: Split): BinarizeMode {
  if (dataset.kind !== 'binary') return 'none';
  return dataset.fixedBinary(split) === null ? 'dynamic' : 'fixed';
}
