/**
 * A small PNG writer for the Compress tab's baseline: the size a plain lossless PNG of the same image has.
 * No DOM: the standard CompressionStream (browsers, workers and Node ≥ 18) does the zlib deflate.
 *
 * RGB images are written as 8-bit truecolour (colour type 2), binary ones as 1-bit greyscale (colour type
 * 0, 8 pixels a byte): the smallest plain PNG of each. Each row gets the filter (none, sub, up, average,
 * Paeth) whose output has the least sum of absolute values, the usual heuristic (libpng's too). A
 * canvas's toBlob would write RGBA, 4 bytes a pixel, which is no fair baseline. CompressionStream deflates
 * at zlib's default level: a PNG tool at level 9 can be a few bytes smaller (`npm run bench:codec` uses
 * pngjs at level 9).
 */
import { crc32 } from '../core/codec/hash';

export interface PngImage {
  /** [H,W,C] (0/1 when binary). */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
  binary: boolean;
}

/** The PNG file of an image. */
export async function encodePng(img: PngImage): Promise<Uint8Array> {
  const rows = scanlines(img);
  const idat = await deflate(rows);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, img.width);
  view.setUint32(4, img.height);
  ihdr[8] = img.binary ? 1 : 8; // bit depth
  ihdr[9] = img.binary || img.channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // compression 0, filter method 0, no interlace
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The filtered scanlines: per row, a filter byte and the row's bytes (packed 8 pixels a byte when binary). */
export function scanlines({ pixels, height: H, width: W, channels: C, binary }: PngImage): Uint8Array {
  const rowBytes = binary ? Math.ceil(W / 8) : W * C;
  const bpp = binary ? 1 : C; // bytes per pixel for the filters (1 for bit depths below 8)
  const raw = new Uint8Array(H * rowBytes);
  for (let y = 0; y < H; y++)
    if (binary) for (let x = 0; x < W; x++) raw[y * rowBytes + (x >> 3)]! |= (pixels[y * W + x]! ? 1 : 0) << (7 - (x & 7));
    else raw.set(pixels.subarray(y * W * C, (y + 1) * W * C), y * rowBytes);
  const out = new Uint8Array(H * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes);
  for (let y = 0; y < H; y++) {
    const row = raw.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? raw.subarray((y - 1) * rowBytes, y * rowBytes) : null;
    let best = -1;
    let bestCost = Infinity;
    for (let f = 0; f < 5; f++) {
      filterRow(f, row, up, bpp, candidate);
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) cost += candidate[i]! < 128 ? candidate[i]! : 256 - candidate[i]!;
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const o = y * (rowBytes + 1);
    out[o] = best;
    filterRow(best, row, up, bpp, out.subarray(o + 1, o + 1 + rowBytes));
  }
  return out;
}

function filterRow(f: number, row: Uint8Array, up: Uint8Array | null, bpp: number, out: Uint8Array): void {
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = up ? up[i]! : 0;
    const c = up && i >= bpp ? up[i - bpp]! : 0;
    const predictor = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[i] = (row[i]! - predictor) & 0xff;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** zlib stream (RFC 1950), which is what IDAT holds. */
async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
