import { describe, expect, it } from 'vitest';
import { bottomHalf, fillRect, hiddenCount, knownMask, paintBrush, paintLine } from '../../src/canvas/mask';
import { gridHit, gridLayout, pendingMask, toRGBA } from '../../src/canvas/pixels';
import { bytesSource, sniffImage, type ByteSource } from '../../src/canvas/imageFile';
import { av1CFor, avifFile } from './avif';

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
  it('reads PNG, GIF and WebP sizes', async () => {
    expect(await sniffImage(pngHead(640, 480))).toEqual({ ok: true, format: 'png', width: 640, height: 480 });
    const gif = new TextEncoder().encode('GIF89a\x10\x00\x20\x00');
    expect(await sniffImage(gif)).toEqual({ ok: true, format: 'gif', width: 16, height: 32 });
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8X'));
    webp.set([99, 0, 0, 49, 0, 0], 24);
    expect(await sniffImage(webp)).toEqual({ ok: true, format: 'webp', width: 100, height: 50 });
  });
  it('reads a JPEG size from its start-of-frame segment', async () => {
    const jpg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 17, 8, 0, 30, 0, 40, 3, 0, 0, 0]);
    expect(await sniffImage(jpg)).toEqual({ ok: true, format: 'jpeg', width: 40, height: 30 });
  });

  /** A JPEG's segments as a phone writes them: EXIF (APP1), XMP (APP1), ICC (APP2) of `sizes` bytes each, then the frame. */
  function jpegWithMetadata(sizes: number[], width: number, height: number): Uint8Array {
    const parts: number[][] = [[0xff, 0xd8]];
    sizes.forEach((n, k) => {
      const marker = [0xe1, 0xe1, 0xe2][k % 3]!;
      const id = ['Exif\0\0', 'http://ns.adobe.com/xap/1.0/\0', 'ICC_PROFILE\0'][k % 3]!;
      const body = new Array<number>(n - 2).fill(0x20);
      [...id].forEach((c, j) => (body[j] = c.charCodeAt(0)));
      parts.push([0xff, marker, (n >> 8) & 255, n & 255, ...body]);
    });
    parts.push([0xff, 0xdb, 0, 67, 0, ...new Array<number>(64).fill(1)]); // quantisation table
    parts.push([0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    parts.push([0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0, 0x12, 0x34, 0xff, 0xd9]);
    return Uint8Array.from(parts.flat());
  }

  /** Counts the bytes read, to see that metadata is skipped, not read. */
  function counted(bytes: Uint8Array): { source: ByteSource; read: () => number } {
    const inner = bytesSource(bytes);
    let total = 0;
    return {
      source: { size: inner.size, read: async (a, b) => ((total += Math.min(b, bytes.length) - a), inner.read(a, b)) },
      read: () => total,
    };
  }

  it('reads a JPEG whose metadata segments push the frame header past 64 KiB, skipping them unread', async () => {
    const jpg = jpegWithMetadata([60000, 65535, 65535, 30000], 4000, 3000);
    expect(jpg.indexOf(0xc0, 65536 * 3)).toBeGreaterThan(65536 * 3); // the frame header is past 192 KiB
    const c = counted(jpg);
    expect(await sniffImage(c.source)).toEqual({ ok: true, format: 'jpeg', width: 4000, height: 3000 });
    expect(c.read()).toBeLessThan(65536 + 100); // the first 64 KiB, then 9 bytes per later marker
  });

  it('refuses a JPEG cut short in its metadata, or whose segments end before a frame', async () => {
    const jpg = jpegWithMetadata([65535, 65535], 40, 30);
    expect(await sniffImage(jpg.subarray(0, 100000))).toMatchObject({ ok: false, message: expect.stringContaining('JPEG but its header is cut short or corrupt') });
    const noFrame = Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0, 4, 0, 0, 0xff, 0xd9, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await sniffImage(noFrame)).toMatchObject({ ok: false, message: expect.stringContaining('corrupt') });
    const zeroLength = Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0, 0, ...new Array<number>(20).fill(0)]);
    expect(await sniffImage(zeroLength)).toMatchObject({ ok: false, message: expect.stringContaining('corrupt') });
  });

  it("reads an AVIF's size from its primary item's ispe, skipping the image data", async () => {
    const frame = new Uint8Array(200_000).fill(7);
    const avif = avifFile({ width: 640, height: 480, av1C: av1CFor(), frame });
    const c = counted(avif);
    expect(await sniffImage(c.source)).toEqual({ ok: true, format: 'avif', width: 640, height: 480 });
    expect(c.read()).toBeLessThan(65536 + 100);
    // With another item's ispe listed first, the primary item's is still the one read.
    const two = avifFile({ width: 300, height: 200, av1C: av1CFor(), frame: frame.subarray(0, 10), extraIspe: { width: 2000, height: 2000 } });
    expect(await sniffImage(two)).toEqual({ ok: true, format: 'avif', width: 300, height: 200 });
    // Size limits apply as to any format; a cut header is corrupt.
    expect(await sniffImage(avifFile({ width: 8000, height: 6000, av1C: av1CFor(), frame: frame.subarray(0, 10) }))).toMatchObject({ ok: false, message: expect.stringContaining('8000 × 6000') });
    expect(await sniffImage(avif.subarray(0, 120))).toMatchObject({ ok: false, message: expect.stringContaining('AVIF but its header is cut short or corrupt') });
  });

  it('refuses empty, huge, unsupported and non-image files with a reason', async () => {
    expect(await sniffImage(new Uint8Array(0))).toMatchObject({ ok: false, message: 'the file is empty' });
    expect(await sniffImage(pngHead(8000, 8000))).toMatchObject({ ok: false, message: expect.stringContaining('8000 × 8000') });
    expect(await sniffImage(new TextEncoder().encode('BM\0\0\0\0'))).toMatchObject({ ok: false, message: expect.stringContaining('BMP') });
    expect(await sniffImage(new TextEncoder().encode('<svg xmlns="x"></svg>'))).toMatchObject({ ok: false, message: expect.stringContaining('SVG') });
    expect(await sniffImage(new TextEncoder().encode('\0\0\0\x18ftypheic\0\0\0\0mif1heic'))).toMatchObject({ ok: false, message: expect.stringContaining('HEIC') });
    expect(await sniffImage(new TextEncoder().encode('just text'))).toMatchObject({ ok: false, message: expect.stringContaining('not an image') });
    expect(await sniffImage(pngHead(4, 4).subarray(0, 12))).toMatchObject({ ok: false, message: expect.stringContaining('corrupt') });
  });
});
