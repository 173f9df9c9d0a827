import { describe, expect, it } from 'vitest';
import { bottomHalf, fillRect, hiddenCount, knownMask, paintBrush, paintLine } from '../../src/canvas/mask';
import { gridHit, gridLayout, pendingMask, toRGBA } from '../../src/canvas/pixels';
import { sniffImage } from '../../src/canvas/imageFile';

const size = { height: 8, width: 8 };

describe('mask operations', () => {
  it('bottom half hides exactly the lower rows', () => {
    const m = bottomHalf(size);
    expect(hiddenCount(m)).toBe(32);
    expect(m[3 * 8 + 7]).toBe(0);
    expect(m[4 * 8]).toBe(1);
  });
  it('brush, eraser and rectangle return new masks and leave the old one untouched', () => {
    const empty = new Uint8Array(64);
    const one = paintBrush(empty, size, 2, 2, 0, 1);
    expect(hiddenCount(one)).toBe(1);
    expect(hiddenCount(empty)).toBe(0);
    expect(hiddenCount(paintBrush(one, size, 2, 2, 0, 0))).toBe(0);
    expect(hiddenCount(fillRect(empty, size, { row: 1, col: 1 }, { row: 2, col: 3 }, 1))).toBe(6);
    expect(hiddenCount(fillRect(empty, size, { row: -5, col: -5 }, { row: 20, col: 20 }, 1))).toBe(64);
    expect(hiddenCount(paintLine(empty, size, { row: 0, col: 0 }, { row: 0, col: 7 }, 0, 1))).toBe(8);
  });
  it('known mask expands per sub-pixel with 1 = known', () => {
    expect(Array.from(knownMask(Uint8Array.from([1, 0]), 3))).toEqual([0, 0, 0, 1, 1, 1]);
  });
});

describe('pixels', () => {
  const shape = { height: 2, width: 2, channels: 1 as const, binary: true };
  it('binary images draw black and white', () => {
    const rgba = toRGBA(Uint8Array.from([0, 1, 1, 0]), 0, shape);
    expect(Array.from(rgba.slice(0, 8))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });
  it('grid hit maps points to image, row and column and skips gaps', () => {
    const layout = gridLayout(3, { height: 2, width: 2 }, 2, 1);
    expect(layout).toMatchObject({ cols: 2, rows: 2, pxWidth: 5, pxHeight: 5 });
    expect(gridHit(3.5, 1.2, 3, shape, layout)).toEqual({ index: 1, row: 1, col: 0 });
    expect(gridHit(2.5, 0.5, 3, shape, layout)).toBeNull(); // the gap
    expect(gridHit(3.5, 3.5, 3, shape, layout)).toBeNull(); // no fourth image
  });
  it('pending pixels follow the sub-pixel count', () => {
    const rgb = { height: 2, width: 2, channels: 3 as const, binary: false };
    expect(Array.from(pendingMask(rgb, 4)!)).toEqual([0, 1, 1, 1]);
    expect(pendingMask(rgb, 12)).toBeNull();
  });
});

describe('image file sniffing', () => {
  const pngHead = (w: number, h: number) => {
    const b = new Uint8Array(33);
    b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(b.buffer).setUint32(16, w);
    new DataView(b.buffer).setUint32(20, h);
    return b;
  };
  it('reads PNG, GIF and WebP sizes', () => {
    expect(sniffImage(pngHead(640, 480))).toEqual({ ok: true, format: 'png', width: 640, height: 480 });
    const gif = new TextEncoder().encode('GIF89a\x10\x00\x20\x00');
    expect(sniffImage(gif)).toEqual({ ok: true, format: 'gif', width: 16, height: 32 });
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8X'));
    webp.set([99, 0, 0, 49, 0, 0], 24);
    expect(sniffImage(webp)).toEqual({ ok: true, format: 'webp', width: 100, height: 50 });
  });
  it('reads a JPEG size from its start-of-frame segment', () => {
    const jpg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 30, 0, 40, 3, 0, 0, 0]);
    expect(sniffImage(jpg)).toEqual({ ok: true, format: 'jpeg', width: 40, height: 30 });
  });
  it('refuses empty, huge, unsupported and non-image files with a reason', () => {
    expect(sniffImage(new Uint8Array(0))).toMatchObject({ ok: false, message: 'the file is empty' });
    expect(sniffImage(pngHead(8000, 8000))).toMatchObject({ ok: false, message: expect.stringContaining('8000 × 8000') });
    expect(sniffImage(new TextEncoder().encode('BM\0\0\0\0'))).toMatchObject({ ok: false, message: expect.stringContaining('BMP') });
    expect(sniffImage(new TextEncoder().encode('<svg xmlns="x"></svg>'))).toMatchObject({ ok: false, message: expect.stringContaining('SVG') });
    expect(sniffImage(new TextEncoder().encode('just text'))).toMatchObject({ ok: false, message: expect.stringContaining('not an image') });
    expect(sniffImage(pngHead(4, 4).subarray(0, 12))).toMatchObject({ ok: false, message: expect.stringContaining('corrupt') });
  });
});
