/**
 * What an uploaded file is, from its headers: format and size in pixels, read before decoding so a huge
 * image is refused unread. Pure: works on bytes through a ByteSource (a File, or an array in tests), no DOM.
 *
 * Most formats give their size in the first few dozen bytes. A JPEG gives it in its start-of-frame
 * segment, after any number of APPn segments (EXIF thumbnails, XMP, ICC profiles: phone photos often
 * carry more than 64 KiB of them): those are walked by their lengths, reading only each marker, as far
 * as the file goes. AVIF gives it in an `ispe` property of its primary item, inside the `meta` box.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'avif';

/** Random access to a file's bytes: `read` returns [start, end) clipped to the file. */
export interface ByteSource {
  size: number;
  read(start: number, end: number): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: async (start, end) => bytes.subarray(start, Math.min(end, bytes.length)) };
}

export function blobSource(blob: Blob): ByteSource {
  return { size: blob.size, read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()) };
}

/** How much is read first: enough for every header but a JPEG's or an AVIF's with large metadata. */
const HEAD_BYTES = 65536;

/** Images larger than this on either side are refused (decoding 8000 × 8000 would take ~256 MB). */
export const MAX_SIDE = 4096;
export const MAX_BYTES = 40 * 1024 * 1024;

export type Sniffed = { ok: true; format: ImageFormat; width: number; height: number } | { ok: false; message: string };

export async function sniffImage(src: ByteSource | Uint8Array): Promise<Sniffed> {
  const source = src instanceof Uint8Array ? bytesSource(src) : src;
  const fileSize = source.size;
  if (fileSize === 0) return { ok: false, message: 'the file is empty' };
  if (fileSize > MAX_BYTES) return { ok: false, message: `the file is ${(fileSize / 1048576).toFixed(0)} MB; the limit is ${MAX_BYTES / 1048576} MB` };
  const head = await source.read(0, HEAD_BYTES);
  const dims = head[0] === 0xff && head[1] === 0xd8 ? await jpegDims(source, head) : isAvif(head) ? await avifDims(source, head) : readDims(head);
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
  const other = unsupported(b);
  if (other) return { ok: false, message: `${other} images are not supported: use PNG, JPEG, WebP, GIF or AVIF` };
  return { ok: false, message: 'this is not an image (PNG, JPEG, WebP, GIF or AVIF expected)' };
}

const corruptJpeg: Sniffed = { ok: false, message: 'the file starts like a JPEG but its header is cut short or corrupt' };

/**
 * Walks the JPEG segments to the first start-of-frame marker, which holds the size. Each segment is
 * skipped by its length, so only the 9 bytes at each marker are needed: they come from `head` while it
 * lasts, then from small reads of the file, however far the metadata segments go.
 */
async function jpegDims(src: ByteSource, head: Uint8Array): Promise<Sniffed> {
  const bytesAt = reader(src, head);
  let i = 2;
  while (i + 9 <= src.size) {
    const b = await bytesAt(i, 9);
    if (b.length < 9 || b[0] !== 0xff) return corruptJpeg;
    const marker = b[1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) return { ok: true, format: 'jpeg', height: u16be(b, 5), width: u16be(b, 7) };
    if (marker === 0xd9 || marker === 0xda) return corruptJpeg; // end of image or scan data before any frame
    const length = u16be(b, 2);
    if (length < 2) return corruptJpeg;
    i += 2 + length;
  }
  return corruptJpeg;
}

/** The bytes [at, at + n) of the file, from the head already read when it holds them. */
function reader(src: ByteSource, head: Uint8Array): (at: number, n: number) => Promise<Uint8Array> {
  return async (at, n) => (at + n <= head.length ? head.subarray(at, at + n) : src.read(at, at + n));
}

/** ISOBMFF with an AVIF brand (major, or compatible for files that lead with another). */
function isAvif(b: Uint8Array): boolean {
  if (b.length < 16 || ascii(b, 4, 4) !== 'ftyp') return false;
  const end = Math.min(u32be(b, 0), b.length);
  for (let at = 8; at + 4 <= end; at += 4) if (at !== 12 && (ascii(b, at, 4) === 'avif' || ascii(b, at, 4) === 'avis')) return true;
  return false;
}

interface Box {
  type: string;
  /** Where its payload starts and ends, in the array it was read from. */
  start: number;
  end: number;
}

/** The boxes in b[from, to). Null when one claims to run past `to`. */
function boxes(b: Uint8Array, from: number, to: number): Box[] | null {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = u32be(b, at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to || u32be(b, at + 8) !== 0) return null; // a 64-bit size over 4 GiB: not here
      size = u32be(b, at + 12);
      header = 16;
    } else if (size === 0) size = to - at; // runs to the end
    if (size < header || at + size > to) return null;
    out.push({ type: ascii(b, at + 4, 4), start: at + header, end: at + size });
    at += size;
  }
  return out;
}

/**
 * AVIF (HEIF): top-level boxes are walked by their sizes (reading each 16-byte header; the image data in
 * `mdat` is skipped unread), then in `meta`: the primary item (`pitm`), its properties (`ipma`) and
 * among them the image spatial extent (`ispe`), which holds width and height.
 */
async function avifDims(src: ByteSource, head: Uint8Array): Promise<Sniffed> {
  const corrupt: Sniffed = { ok: false, message: 'the file starts like an AVIF but its header is cut short or corrupt' };
  const bytesAt = reader(src, head);
  // 1) find the top-level meta box
  let at = 0;
  let meta: Uint8Array | null = null;
  while (at + 8 <= src.size && !meta) {
    const h = await bytesAt(at, Math.min(16, src.size - at));
    if (h.length < 8) return corrupt;
    let size = u32be(h, 0);
    if (size === 1) size = h.length >= 16 && u32be(h, 8) === 0 ? u32be(h, 12) : 0;
    else if (size === 0) size = src.size - at;
    if (size < 8 || at + size > src.size) return corrupt;
    if (ascii(h, 4, 4) === 'meta') {
      if (size > MAX_META_BYTES) return corrupt;
      meta = await bytesAt(at, size);
    }
    at += size;
  }
  if (!meta) return corrupt;
  // 2) meta is a full box (4 bytes of version and flags before its children)
  const inner = boxes(meta, 12, meta.length);
  if (!inner) return corrupt;
  const find = (list: Box[], type: string) => list.find((x) => x.type === type);
  const pitm = find(inner, 'pitm');
  const iprp = find(inner, 'iprp');
  const props = iprp && boxes(meta, iprp.start, iprp.end);
  const ipco = props && find(props, 'ipco');
  const ipma = props && find(props, 'ipma');
  const properties = ipco && boxes(meta, ipco.start, ipco.end);
  if (!properties) return corrupt;
  const sizes = properties.map((p) => (p.type === 'ispe' && p.end - p.start >= 12 ? { width: u32be(meta, p.start + 4), height: u32be(meta, p.start + 8) } : null));
  // 3) the primary item's ispe, through ipma's property indices (1-based); without them, the largest
  let primary: { width: number; height: number } | null = null;
  if (pitm && ipma) {
    const item = meta[pitm.start] === 0 ? u16be(meta, pitm.start + 4) : u32be(meta, pitm.start + 4);
    for (const index of itemProperties(meta, ipma, item)) primary ??= sizes[index - 1] ?? null;
  }
  const all = sizes.filter((s): s is { width: number; height: number } => s !== null);
  primary ??= all.sort((a, b) => b.width * b.height - a.width * a.height)[0] ?? null;
  return primary ? { ok: true, format: 'avif', ...primary } : corrupt;
}

/** An AVIF's meta box is a few hundred bytes to a few KiB (more with EXIF/XMP inline); larger is not one. */
const MAX_META_BYTES = 4 * 1024 * 1024;

/** The property indices ipma associates with `item`. */
function itemProperties(b: Uint8Array, ipma: Box, item: number): number[] {
  const version = b[ipma.start]!;
  const flags = b[ipma.start + 3]!;
  let at = ipma.start + 4;
  const entries = u32be(b, at);
  at += 4;
  for (let e = 0; e < entries && at < ipma.end; e++) {
    const id = version < 1 ? u16be(b, at) : u32be(b, at);
    at += version < 1 ? 2 : 4;
    const count = b[at++]!;
    const indices: number[] = [];
    for (let k = 0; k < count; k++) {
      indices.push(flags & 1 ? u16be(b, at) & 0x7fff : b[at]! & 0x7f);
      at += flags & 1 ? 2 : 1;
    }
    if (id === item) return indices;
  }
  return [];
}

function unsupported(b: Uint8Array): string | null {
  const head = ascii(b, 0, 64).trimStart();
  if (ascii(b, 0, 2) === 'BM') return 'BMP';
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'TIFF';
  if (b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return 'ICO';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand.startsWith('hei') || brand.startsWith('mif')) return 'HEIC';
  }
  if (/^<\?xml[\s\S]*<svg|^<svg/i.test(head)) return 'SVG';
  return null;
}
