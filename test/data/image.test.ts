import { describe, expect, it } from 'vitest';
import { toModelInput } from '../../src/core/data/image';
import { mulberry32 } from '../../src/core/random';

/** RGBA bytes from [r, g, b, a] pixels in row-major order. */
const rgba = (...pixels: number[][]) => Uint8ClampedArray.from(pixels.flat());
/** An opaque image whose R = G = B = the given grey levels. */
const opaqueGrey = (...levels: number[]) => rgba(...levels.map((g) => [g, g, g, 255]));

describe('toModelInput', () => {
  it('averages 2×2 blocks and rounds half up', () => {
    const src = rgba([10, 0, 255, 255], [11, 0, 255, 255], [10, 100, 0, 255], [11, 101, 0, 255]);
    expect([...toModelInput(src, 2, 2, { height: 1, width: 1, channels: 3 })]).toEqual([11, 50, 128]);
  });

  it('composites on white: transparent is white whatever its colour, half alpha is half way', () => {
    const src = rgba([0, 0, 0, 0], [255, 0, 0, 128]);
    const out = toModelInput(src, 2, 1, { height: 1, width: 2, channels: 3 });
    // The 2×1 image is centre-cropped to its left 1×1 square first, so take each pixel on its own.
    expect([...out]).toEqual([255, 255, 255, 255, 255, 255]);
    expect([...toModelInput(src.subarray(4), 1, 1, { height: 1, width: 1, channels: 3 })]).toEqual([255, 127, 127]);
  });

  it('centre-crops a wide image to its middle square', () => {
    // 4×2: columns 0..3 have grey 0, 50, 100, 150 → the middle 2×2 keeps columns 1 and 2.
    const src = opaqueGrey(0, 50, 100, 150, 0, 50, 100, 150);
    expect([...toModelInput(src, 4, 2, { height: 2, width: 2, channels: 1 })]).toEqual([50, 100, 50, 100]);
  });

  it('centre-crops a tall image to its middle square', () => {
    // 1×3: rows 10, 20, 30 → the middle pixel.
    expect([...toModelInput(opaqueGrey(10, 20, 30), 1, 3, { height: 1, width: 1, channels: 1 })]).toEqual([20]);
  });

  it('weights partly covered pixels by their area (3 → 2)', () => {
    // 3×3 with columns 0, 90, 180: output column 0 = ⅔·0 + ⅓·90 = 30, column 1 = ⅓·90 + ⅔·180 = 150.
    const src = opaqueGrey(0, 90, 180, 0, 90, 180, 0, 90, 180);
    expect([...toModelInput(src, 3, 3, { height: 2, width: 2, channels: 1 })]).toEqual([30, 150, 30, 150]);
  });

  it('enlarges by repeating pixels', () => {
    expect([...toModelInput(opaqueGrey(7), 1, 1, { height: 2, width: 2, channels: 1 })]).toEqual([7, 7, 7, 7]);
  });

  it('turns colour into Rec. 601 luma', () => {
    const src = rgba([255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 255, 255]);
    const out = toModelInput(src, 2, 2, { height: 2, width: 2, channels: 1 });
    expect([...out]).toEqual([76, 150, 29, 255]);
  });

  it('binarises by threshold or by a seeded draw', () => {
    const src = opaqueGrey(0, 127, 128, 255);
    expect([...toModelInput(src, 2, 2, { height: 2, width: 2, channels: 1, binarize: { threshold: 128 } })]).toEqual([0, 0, 1, 1]);
    const drawn = toModelInput(src, 2, 2, { height: 2, width: 2, channels: 1, binarize: { rng: mulberry32(1) } });
    expect([drawn[0], drawn[3]]).toEqual([0, 1]);
  });

  it('rejects pixels that do not match the size, and binarising colour', () => {
    expect(() => toModelInput(opaqueGrey(1, 2, 3), 2, 2, { height: 1, width: 1, channels: 3 })).toThrow(/not 2×2 RGBA/);
    expect(() => toModelInput(opaqueGrey(1), 1, 1, { height: 1, width: 1, channels: 3, binarize: { threshold: 1 } })).toThrow(
      /only 1-channel/,
    );
  });
});
