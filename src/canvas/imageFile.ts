/**
 * What an uploaded file is, from its first bytes: format and size in pixels, read from the header so a
 * huge image is refused before it is decoded. Pure: works on bytes, no DOM.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

/** Images larger than this on either side are refused (decoding 8000 × 8000 would take ~256 MB). */
export const MAX_SIDE = 4096;
export const MAX_BYTES = 40 * 1024 * 1024;

export type Sniffed = { ok: true; format: ImageFormat; width: number; height: number } | { ok: false; message: string };

export function sniffImage(bytes: Uint8Array, fileSize = bytes.length): Sniffed {
  if (fileSize === 0) return { ok: false, message: 'the file is empty' };
  if (fileSize > MAX_BYTES) return { ok: false, message: `the file is ${(fileSize / 1048576).toFixed(0)} MB; the limit is ${MAX_BYTES / 1048576} MB` };
  const dims = readDims(bytes);
  if (!dims.ok) return dims;
  if (dims.width < 1 || dims.height < 1) return { ok: false, message: `the ${dims.format.toUpperCase()} header says ${dims.width} × ${dims.height} pixels: the file is corrupt` };
  if (dims.width > MAX_SIDE || dims.height > MAX_SIDE)
    return { ok: false, message: `the image is ${dims.width} × ${dims.height} pixels; the limit is ${MAX_SIDE} × ${MAX_SIDE}: shrink it first` };
  return dims;
}

const ascii = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));
const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u24le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function readDims(b: Uint8Array): Sniffed {
  const corrupt = (f: string): Sniffed => ({ ok: false, message: `the file starts like a ${f} but its header is cut short or corrupt` });
  // PNG: 8-byte signature, then the IHDR chunk with width and height.
  if (b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') {
    if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return corrupt('PNG');
    return { ok: true, format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') {
    if (b.length < 10) return corrupt('GIF');
    return { ok: true, format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ' && b.length >= 30) return { ok: true, format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (chunk === 'VP8L' && b.length >= 25) {
      const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
      return { ok: true, format: 'webp', width: 1 + (((b1 & 0x3f) << 8) | b0), height: 1 + (((b3 & 0xf) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)) };
    }
    if (chunk === 'VP8X' && b.length >= 30) return { ok: true, format: 'webp', width: 1 + u24le(b, 24), height: 1 + u24le(b, 27) };
    return corrupt('WebP');
  }
  if (b[0] === 0xff && b[1] === 0xd8) return jpegDims(b) ?? corrupt('JPEG');
  const other = unsupported(b);
  if (other) return { ok: false, message: `${other} images are not supported: use PNG, JPEG, WebP or GIF` };
  return { ok: false, message: 'this is not an image (PNG, JPEG, WebP or GIF expected)' };
}

/** Walks the JPEG segments to the first start-of-frame marker, which holds the size. */
function jpegDims(b: Uint8Array): Sniffed | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) return { ok: true, format: 'jpeg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
    if (marker === 0xd9 || marker === 0xda) return null;
    i += 2 + u16be(b, i + 2);
  }
  return null;
}

function unsupported(b: Uint8Array): string | null {
  const head = ascii(b, 0, 64).trimStart();
  if (ascii(b, 0, 2) === 'BM') return 'BMP';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'TIFF';
  if (b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return 'ICO';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand.startsWith('avi')) return 'AVIF';
    if (brand.startsWith('hei') || brand.startsWith('mif')) return 'HEIC';
  }
  if (/^<\?xml[\s\S]*<svg|^<svg/i.test(head)) return 'SVG';
  return null;
}
