import { describe, expect, it } from 'vitest';
import { batchIterator, resumeBatchIterator, type Batch } from '../../src/core/data/batches';
import { createDataset } from '../../src/core/data/dataset';
import { mulberry32 } from '../../src/core/random';

/** 23 one-pixel grey images; image i has grey level 10·i, so a batch shows which images it holds. */
const greyDataset = createDataset({
  name: 'grey',
  kind: 'binary',
  shape: [1, 1, 1],
  images: { train: Uint8Array.from({ length: 23 }, (_, i) => 10 * i), val: Uint8Array.of(100, 200, 50) },
  fixedBinary: { val: Uint8Array.of(1, 0, 1) },
});

/** 10 RGB 2×1 images whose bytes encode their index. */
const rgbDataset = createDataset({
  name: 'rgb',
  kind: 'rgb',
  shape: [1, 2, 3],
  images: { train: Uint8Array.from({ length: 10 * 6 }, (_, i) => Math.floor(i / 6)) },
});

const take = (it: Iterator<Batch>, n: number) => Array.from({ length: n }, () => it.next().value as Batch);

describe('batchIterator', () => {
  it('covers each image exactly once per epoch, in a new order each epoch', () => {
    const it = batchIterator(rgbDataset, 'train', 4, mulberry32(5));
    expect(it.batchesPerEpoch).toBe(3);
    const orders: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = take(it, 3);
      expect(batches.map((b) => [b.epoch, b.index, b.size])).toEqual([
        [epoch, 0, 4],
        [epoch, 1, 4],
        [epoch, 2, 2],
      ]);
      const seen = batches.flatMap((b) => [...b.indices]);
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const b of batches) {
        // Each image's 6 bytes equal its index: the pixels follow the indices.
        expect([...b.images]).toEqual([...b.indices].flatMap((i) => Array(6).fill(i)));
      }
      orders.push(seen);
    }
    expect(orders[1]).not.toEqual(orders[0]);
  });

  it('keeps stored order without shuffling, and drops the short last batch on request', () => {
    const it = batchIterator(rgbDataset, 'train', 4, mulberry32(5), { shuffle: false, dropLast: true });
    expect(it.batchesPerEpoch).toBe(2);
    expect(take(it, 3).map((b) => [...b.indices])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [0, 1, 2, 3],
    ]);
  });

  it('resumes from a saved state with the same next batches, mid-epoch and at an epoch boundary', () => {
    for (const seen of [2, 3, 7]) {
      const original = batchIterator(greyDataset, 'train', 8, mulberry32(42));
      take(original, seen);
      const state = original.state();
      const expected = take(original, 5);
      const resumed = resumeBatchIterator(greyDataset, 'train', 8, state);
      expect(take(resumed, 5)).toEqual(expected);
    }
  });

  it('binarises the training split afresh each epoch and uses the fixed draw for val', () => {
    const n = 23;
    const it = batchIterator(greyDataset, 'train', n, mulberry32(3));
    const [a, b] = take(it, 2);
    expect(a!.images.every((v) => v === 0 || v === 1)).toBe(true);
    const byImage = (batch: Batch) => [...batch.indices].map((img, k) => [img, batch.images[k]]).sort((x, y) => x[0]! - y[0]!);
    expect(byImage(a!)).not.toEqual(byImage(b!));

    const val = batchIterator(greyDataset, 'val', 3, mulberry32(3), { shuffle: false });
    expect([...take(val, 1)[0]!.images]).toEqual([1, 0, 1]);
    const grey = batchIterator(greyDataset, 'val', 3, mulberry32(3), { shuffle: false, binarize: 'none' });
    expect([...take(grey, 1)[0]!.images]).toEqual([100, 200, 50]);
  });

  it('rejects a state saved with another batch size', () => {
    expect(() => resumeBatchIterator(rgbDataset, 'train', 5, { epoch: 0, index: 3, rngState: 1 })).toThrow(/index 3 is outside 0\.\.2/);
  });
});
