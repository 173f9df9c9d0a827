import { describe, expect, it } from 'vitest';
import { dropCrossSplitDuplicates, emojiKey, emojiSplit } from '../../src/core/data/emojiSplit';

describe('Emoji split key', () => {
  it('groups skin tones and both presentations (with and without U+FE0F) of an emoji', () => {
    expect(emojiKey('1f44b-1f3fd.png')).toBe('1f44b');
    expect(emojiKey('263a-fe0f.png')).toBe(emojiKey('263a.png'));
    expect(emojiKey('1f3cb-1f3fb-200d-2642-fe0f.png')).toBe(emojiKey('1f3cb-200d-2642.png'));
    expect(emojiSplit('263a-fe0f.png')).toBe(emojiSplit('263a.png'));
    expect(emojiSplit('1f44b-1f3ff.png')).toBe(emojiSplit('1f44b.png'));
  });

  it('keeps distinct emoji apart and spreads them about 80/10/10', () => {
    expect(emojiKey('1f600.png')).not.toBe(emojiKey('1f601.png'));
    const counts = { train: 0, val: 0, test: 0 };
    for (let cp = 0x1f300; cp < 0x1f300 + 2000; cp++) counts[emojiSplit(`${cp.toString(16)}.png`)]++;
    expect(counts.train / 2000).toBeGreaterThan(0.75);
    expect(counts.val / 2000).toBeGreaterThan(0.07);
    expect(counts.test / 2000).toBeGreaterThan(0.07);
  });
});

describe('dropCrossSplitDuplicates', () => {
  const img = (...v: number[]) => ({ bytes: new Uint8Array(v) });

  it('drops val and test images identical to an earlier split, keeps duplicates within a split', () => {
    const { kept, dropped } = dropCrossSplitDuplicates({
      train: [img(1, 2), img(1, 2), img(3)],
      val: [img(1, 2), img(4), img(4)],
      test: [img(4), img(3), img(5), img(1, 2, 0)],
    });
    expect(kept.train.map((r) => [...r.bytes])).toEqual([[1, 2], [1, 2], [3]]);
    expect(kept.val.map((r) => [...r.bytes])).toEqual([[4], [4]]);
    expect(kept.test.map((r) => [...r.bytes])).toEqual([[5], [1, 2, 0]]);
    expect(dropped).toEqual({ train: 0, val: 1, test: 2 });
  });
});
