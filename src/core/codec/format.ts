import { crc32, hex } from './hash';

/**
 * The .prnn file: images coded with one model. All fixed-width integers big-endian. Two versions, both read.
 *
 * Version 1: one image.
 *
 *   offset  bytes  field
 *   0       4      magic "PRNN"
 *   4       1      version (1)
 *   5       1      n: length of the model id
 *   6       n      model id, UTF-8 (e.g. "emoji32-pixelcnn")
 *   6+n     8      fingerprint of the model's weights (hash.ts)
 *           2, 2   height, width
 *           1      channels (1 or 3)
 *           1      output: 0 binary, 1 256-way softmax
 *           1      backend family the probabilities were computed on: 1 cpu, 2 wasm, 3 webgpu, 4 webgl
 *                  (tfjs's cached sampler on that backend), 5 js (the JavaScript evaluator of
 *                  src/core/sampling/js/, double precision in a fixed order: the same on every backend
 *                  and JavaScript engine, so such a file decodes anywhere)
 *           1      the top 8 bits of the CRC-32 of the image's H·W·C sub-pixel values (raster order,
 *                  R G B inside a pixel); its other 24 bits are the rANS coder's initial state (rans.ts),
 *                  which the decoder recovers at the end, so they cost next to nothing
 *           4      p: length of the payload
 *           p      payload: the rANS stream (rans.ts)
 *           4      CRC-32 of every byte before it
 *
 * 30 + n bytes besides the payload (46 for a 16-character id). The trailing CRC lets a damaged file be
 * refused before any decoding; the pixel CRC catches what it cannot: a decoder whose probabilities differ
 * from the encoder's (another backend), which would otherwise return a wrong image.
 *
 * Version 2: any number of images of one model, one header for all.
 *
 *   0       4      magic "PRNN"
 *   4       1      version (2)
 *   5 …            model id (length byte + UTF-8), fingerprint, height, width, channels, output, backend
 *                  family: as in version 1
 *           v      count: the number of images, an unsigned LEB128 varint (1 byte up to 127)
 *                  then per image, in order:
 *           v        p: length of its payload, a varint (2 bytes for 128 to 16,383)
 *           1        the top 8 bits of its pixel CRC-32 (the other 24 in its rANS state, as above)
 *           p        its payload: an rANS stream of its own
 *           4      CRC-32 of every byte before it
 *
 * 22 + n + 4 bytes for the file (42 for a 16-character id) and, per image, its length's varint and the
 * CRC byte: 3 bytes for an Emoji-32 image (payloads of ~830 bytes), 2 for a binary MNIST one (~16). Every
 * image is coded on its own (its own stream, its own pixel check), so one can be decoded without the others;
 * what they share is the header. A file of one image takes 27 + n + its length's varint: 1 byte less than
 * version 1's 30 + n for an Emoji-32 image, 2 for a binary one; the encoder still writes one image as version 1
 * (every reader opens it, and its bytes stay those of the earlier versions), two or more as version 2 (`writeImages`). A reader of version 1 refuses a version 2 file with its version
 * message ("This .prnn file has format version 2; this program reads version 1").
 */

export const MAGIC = 'PRNN';
/** The newest version this code reads and writes (1: one image; 2: several). */
export const VERSION = 2;

/** The tfjs backends the codec can compute on (the tfjs path: the cached sampler's logits). */
export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'webgl'] as const;
export type TfjsBackend = (typeof BACKENDS)[number];
/** What a file records, in code order (code = index + 1): a tfjs backend, or 'js', the portable evaluator. */
export const FAMILIES = [...BACKENDS, 'js'] as const;
export type BackendFamily = (typeof FAMILIES)[number];

export interface PrnnHeader {
  version: number;
  modelId: string;
  /** 8 bytes (hash.ts `weightsFingerprint`). */
  fingerprint: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
  output: 'binary' | 'softmax256';
  backend: BackendFamily;
  /** The top 8 bits of the pixels' CRC-32 (the other 24 travel in the payload: see above). */
  pixelCrcHigh: number;
}

/** What a file says of all its images (either version): the header without the per-image CRC byte. */
export interface PrnnFileHeader extends Omit<PrnnHeader, 'pixelCrcHigh'> {
  /** How many images it holds (1 for version 1). */
  images: number;
}

/** One image of a file: its coded data and the top byte of its pixel CRC. */
export interface PrnnImage {
  pixelCrcHigh: number;
  payload: Uint8Array;
}

export interface PrnnFile {
  header: PrnnFileHeader;
  images: PrnnImage[];
}

/**
 * Every way a .prnn file can be refused, with a message meant for the person holding the file.
 * `kind` lets a caller (the app, a test) react without parsing the message.
 */
export type CodecErrorKind = 'empty' | 'not-prnn' | 'version' | 'truncated' | 'corrupt' | 'model' | 'shape' | 'backend' | 'checksum' | 'input';

/**
 * What can still be read from a multi-image file cut short: its header and the images stored whole before
 * the cut (`file.header.images` of them), out of the `total` it announces. Nothing here is covered by the
 * file's CRC (it was cut off): each image is trusted only once it decodes to pixels that match its own CRC-32.
 */
export interface Salvage {
  file: PrnnFile;
  total: number;
}

export class CodecError extends Error {
  constructor(
    readonly kind: CodecErrorKind,
    message: string,
    /** Set on a 'truncated' refusal of a multi-image file that still holds whole images: see `decodeFile`'s `salvage`. */
    readonly salvage?: Salvage,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

/** The fields every version has, from the model id to the backend family: n + 15 bytes after the length byte. */
function commonBytes(idBytes: number): number {
  return 1 + idBytes + 8 + 4 + 3;
}

/** Writes the model id … backend family at `at` (the id already checked); returns the offset after them. */
function writeCommon(out: Uint8Array, at: number, id: Uint8Array, header: Omit<PrnnHeader, 'pixelCrcHigh'>): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const ch of MAGIC) out[at++] = ch.charCodeAt(0);
  out[at++] = header.version;
  out[at++] = id.length;
  out.set(id, at);
  at += id.length;
  out.set(header.fingerprint, at);
  at += 8;
  view.setUint16(at, header.height);
  view.setUint16(at + 2, header.width);
  at += 4;
  out[at++] = header.channels;
  out[at++] = header.output === 'binary' ? 0 : 1;
  out[at++] = FAMILIES.indexOf(header.backend) + 1;
  return at;
}

function modelIdBytes(header: { modelId: string; fingerprint: Uint8Array }): Uint8Array {
  const id = new TextEncoder().encode(header.modelId);
  if (id.length < 1 || id.length > 255) throw new CodecError('input', `The model id must be 1 to 255 bytes of UTF-8, got ${id.length}`);
  if (header.fingerprint.length !== 8) throw new Error('The weights fingerprint must be 8 bytes');
  return id;
}

function checkCrcByte(pixelCrcHigh: number): void {
  if (!(Number.isInteger(pixelCrcHigh) && pixelCrcHigh >= 0 && pixelCrcHigh < 256)) throw new Error('pixelCrcHigh must be a byte');
}

/** A version 1 file: one image. */
export function writeFile(header: PrnnHeader, payload: Uint8Array): Uint8Array {
  const id = modelIdBytes(header);
  checkCrcByte(header.pixelCrcHigh);
  const out = new Uint8Array(headerBytes(id.length) + payload.length);
  const view = new DataView(out.buffer);
  let at = writeCommon(out, 0, id, { ...header, version: 1 });
  out[at++] = header.pixelCrcHigh;
  view.setUint32(at, payload.length);
  at += 4;
  out.set(payload, at);
  at += payload.length;
  view.setUint32(at, crc32(out.subarray(0, at)));
  return out;
}

/** Bytes of an unsigned LEB128 varint of n (7 bits a byte, low bits first, high bit: more follow). */
export function varintBytes(n: number): number {
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

function putVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** A version 2 file: one header, then each image's payload length, pixel-CRC byte and payload (see above). */
export function writeFileV2(header: Omit<PrnnHeader, 'pixelCrcHigh' | 'version'>, images: readonly PrnnImage[]): Uint8Array {
  const id = modelIdBytes(header);
  if (images.length < 1) throw new CodecError('input', 'A .prnn file holds one image or more; got none');
  let size = 4 + 1 + commonBytes(id.length) + varintBytes(images.length) + 4;
  for (const img of images) {
    checkCrcByte(img.pixelCrcHigh);
    size += varintBytes(img.payload.length) + 1 + img.payload.length;
  }
  const out = new Uint8Array(size);
  let at = writeCommon(out, 0, id, { ...header, version: 2 });
  at = putVarint(out, at, images.length);
  for (const img of images) {
    at = putVarint(out, at, img.payload.length);
    out[at++] = img.pixelCrcHigh;
    out.set(img.payload, at);
    at += img.payload.length;
  }
  new DataView(out.buffer).setUint32(at, crc32(out.subarray(0, at)));
  return out;
}

/**
 * The file for these images: version 1 for one (readable by every version; version 2 would save at most a
 * byte), version 2 for several.
 */
export function writeImages(header: Omit<PrnnHeader, 'pixelCrcHigh' | 'version'>, images: readonly PrnnImage[]): Uint8Array {
  return images.length === 1 ? writeFile({ ...header, version: 1, pixelCrcHigh: images[0]!.pixelCrcHigh }, images[0]!.payload) : writeFileV2(header, images);
}

/** Bytes of a file besides its payloads: version 1 (one image), or version 2 for payloads of these lengths. */
export function fileOverhead(idBytes: number, payloadLengths?: readonly number[]): number {
  if (!payloadLengths) return headerBytes(idBytes);
  return 4 + 1 + commonBytes(idBytes) + varintBytes(payloadLengths.length) + 4 + payloadLengths.reduce((s, p) => s + varintBytes(p) + 1, 0);
}

/**
 * Parses and checks a file's structure and CRC (either version); says nothing yet about whether a model can
 * decode it. A version 1 file gives one image.
 */
export function readFile(bytes: Uint8Array): PrnnFile {
  if (bytes.length === 0) throw new CodecError('empty', 'The file is empty (0 bytes): it is not a .prnn file');
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC)
    throw new CodecError('not-prnn', `Not a .prnn file: it starts with ${hex(bytes.subarray(0, 4))} instead of "${MAGIC}" (${hex(new TextEncoder().encode(MAGIC))})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const short = (need: number) => {
    if (bytes.length < need) throw new CodecError('truncated', `The file is truncated: it ends inside its header, after ${bytes.length} bytes`);
  };
  short(6);
  const version = bytes[4]!;
  if (version > VERSION)
    throw new CodecError(
      'version',
      `This .prnn file has format version ${version}: it was written by a newer version of PixelRNN Lab; this one reads versions 1 to ${VERSION}. Open it with a newer version.`,
    );
  if (version < 1) throw new CodecError('version', `This .prnn file has format version ${version}, which never existed; this program reads versions 1 to ${VERSION}`);
  const n = bytes[5]!;
  short(6 + n + 8 + 4 + 3 + (version === 1 ? 5 : 1));
  let at = 6;
  const idBytes = bytes.subarray(at, at + n);
  at += n;
  const fingerprint = bytes.slice(at, at + 8);
  at += 8;
  const height = view.getUint16(at);
  const width = view.getUint16(at + 2);
  at += 4;
  const channels = bytes[at++]!;
  const outputCode = bytes[at++]!;
  const backendCode = bytes[at++]!;
  const images: PrnnImage[] = [];
  const crcHolds = (end: number) => end >= 4 && end <= bytes.length && view.getUint32(end - 4) === crc32(bytes.subarray(0, end - 4));
  const changed = () => new CodecError('corrupt', 'The file is corrupt: its CRC-32 does not match its contents (changed on disk or in transit)');
  // Past the CRC, a bad field means a file written wrongly, not damaged: still refused, with the field named.
  const fields = (count: number): PrnnFileHeader => {
    let modelId: string;
    try {
      modelId = new TextDecoder('utf-8', { fatal: true }).decode(idBytes);
    } catch {
      throw new CodecError('corrupt', 'The file is corrupt: its model id is not UTF-8');
    }
    if (channels !== 1 && channels !== 3) throw new CodecError('corrupt', `The file is corrupt: ${channels} channels (1 or 3 expected)`);
    if (outputCode > 1) throw new CodecError('corrupt', `The file is corrupt: unknown output kind ${outputCode}`);
    const backend = FAMILIES[backendCode - 1];
    if (!backend)
      throw new CodecError(
        'corrupt',
        `The file is corrupt, or was written by a newer version of PixelRNN Lab: unknown backend code ${backendCode} (this version knows ${FAMILIES.map((f, i) => `${i + 1} ${f}`).join(', ')})`,
      );
    if (height < 1 || width < 1) throw new CodecError('corrupt', `The file is corrupt: image size ${width}×${height}`);
    return { version, modelId, fingerprint, height, width, channels, output: outputCode === 0 ? 'binary' : 'softmax256', backend, images: count };
  };
  if (version === 1) {
    const pixelCrcHigh = bytes[at++]!;
    const payloadLength = view.getUint32(at);
    at += 4;
    const end = at + payloadLength + 4;
    if (bytes.length < end)
      throw new CodecError('truncated', `The file is truncated: its header announces ${end} bytes (${payloadLength} of coded data), but it has ${bytes.length}`);
    if (bytes.length > end) throw new CodecError('corrupt', `The file is corrupt: ${bytes.length - end} unexpected bytes after its end`);
    if (!crcHolds(end)) throw changed();
    images.push({ pixelCrcHigh, payload: bytes.subarray(at, at + payloadLength) });
  } else {
    // Walk the images first: a file cut short is told apart from a changed byte by where it ends.
    const dataEnd = bytes.length - 4;
    const varint = (): number | null => {
      let n = 0;
      for (let k = 0, scale = 1; k < 5; k++, scale *= 128) {
        if (at >= dataEnd) return null;
        const b = bytes[at++]!;
        n += (b & 127) * scale;
        if (b < 128) return n;
      }
      return null; // longer than any count or length this format writes
    };
    const count = varint();
    if (count === null) {
      if (crcHolds(bytes.length)) throw new CodecError('corrupt', 'The file is corrupt: its image count is unreadable (its CRC holds: it was written wrongly)');
      throw new CodecError('truncated', `The file is truncated: it ends inside its header, after ${bytes.length} bytes`);
    }
    const countEnd = at;
    let ranOut = -1;
    for (let k = 0; k < count; k++) {
      const length = varint();
      if (length === null || at + 1 + length > dataEnd) {
        ranOut = k;
        break;
      }
      const pixelCrcHigh = bytes[at++]!;
      images.push({ pixelCrcHigh, payload: bytes.subarray(at, at + length) });
      at += length;
    }
    if (ranOut >= 0) {
      if (crcHolds(bytes.length))
        throw new CodecError(
          'corrupt',
          `The file is corrupt: it says it holds ${count} images, but its data holds ${ranOut} (it ends inside image ${ranOut + 1}); its CRC holds, so it was written wrongly`,
        );
      // Cut short: the images stored whole before the cut can still be decoded, each checked by its own CRC.
      // (The walk above kept 4 bytes back for the file's CRC; here the cut has taken it. A length field is
      // always more than 4 bytes before its image's end: the coded data alone has at least 4.)
      const whole: PrnnImage[] = [];
      at = countEnd;
      for (let k = 0; k < count; k++) {
        const length = varint();
        if (length === null || at + 1 + length > bytes.length) break;
        whole.push({ pixelCrcHigh: bytes[at]!, payload: bytes.subarray(at + 1, at + 1 + length) });
        at += 1 + length;
      }
      let salvage: Salvage | undefined;
      try {
        if (whole.length > 0) salvage = { file: { header: fields(whole.length), images: whole }, total: count };
      } catch {
        salvage = undefined; // a header that would be refused anyway offers nothing to save
      }
      const where = whole.length < count ? `inside image ${whole.length + 1} of ${count}` : `after its ${count} images, inside its closing CRC`;
      const saved = !salvage ? '' : whole.length < count ? `; the first ${whole.length === 1 ? 'image is' : `${whole.length} images are`} whole and can still be decoded` : '; every image is whole and can still be decoded';
      throw new CodecError('truncated', `The file is truncated: it ends ${where}, after ${bytes.length} bytes (cut short on disk or in transit, or a changed length)${saved}`, salvage);
    }
    if (at < dataEnd) {
      if (crcHolds(bytes.length))
        throw new CodecError('corrupt', `The file is corrupt: it says it holds ${count} images, but ${dataEnd - at} bytes of data follow image ${count}; its CRC holds, so it was written wrongly`);
      if (crcHolds(at + 4)) throw new CodecError('corrupt', `The file is corrupt: ${bytes.length - at - 4} unexpected bytes after its end`);
      throw changed();
    }
    if (!crcHolds(bytes.length)) throw changed();
    if (count === 0) throw new CodecError('corrupt', 'The file is corrupt: it holds no image');
  }
  return { header: fields(images.length), images };
}

/** The header of image k of a parsed file, as a one-image file would have it. */
export function imageHeader(file: PrnnFile, k: number): PrnnHeader {
  const { images: _, ...h } = file.header;
  return { ...h, pixelCrcHigh: file.images[k]!.pixelCrcHigh };
}

/** Bytes of a version 1 file besides its payload, for a model id of `idBytes` bytes. */
export function headerBytes(idBytes: number): number {
  return 4 + 1 + commonBytes(idBytes) + 1 + 4 + 4;
}
