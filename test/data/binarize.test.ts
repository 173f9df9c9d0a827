import { describe, expect, it } from 'vitest';
import { binarize } from '../../src/core/data/binarize';
import { mulberry32 } from '../../src/core/random';

describe('binarize', () => {
  it('has mean grey/255 on a large sample, level by level', () => {
    const levels = [0, 1, 37, 128, 200, 254, 255];
    const perLevel = 20_000;
    const grey = new Uint8Array(levels.length * perLevel);
    levels.forEach((g, k) => grey.fill(g, k * perLevel, (k + 1) * perLevel));
    const bits = binarize(grey, mulberry32(7));
    levels.forEach((g, k) => {
      let ones = 0;
      for (let i = k * perLevel; i < (k + 1) * perLevel; i++) ones += bits[i]!;
      const p = g / 255;
      // 5 standard deviations of a binomial mean; exact at p = 0 and p = 1.
      expect(Math.abs(ones / perLevel - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / perLevel));
    });
  });

  it('gives only 0 and 1, and identical bits for the same seed', () => {
    const grey = Uint8Array.from({ length: 5000 }, (_, i) => (i * 97) % 256);
    const a = binarize(grey, mulberry32(1234));
    expect(a.every((v) => v === 0 || v === 1)).toBe(true);
    expect(binarize(grey, mulberry32(1234))).toEqual(a);
    expect(binarize(grey, mulberry32(1235))).not.toEqual(a);
  });

  it('advances the generator by one draw per value', () => {
    const rng = mulberry32(99);
    binarize(new Uint8Array(10), rng);
    const reference = mulberry32(99);
    for (let i = 0; i < 10; i++) reference.next();
    expect(rng.state()).toBe(reference.state());
  });
});
