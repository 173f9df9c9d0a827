import { crc32, hex } from './hash';

/**
 * The .prnn file: one image coded with one model. All integers big-endian.
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
 */

export const MAGIC = 'PRNN';
export const VERSION = 1;

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

export interface PrnnFile {
  header: PrnnHeader;
  payload: Uint8Array;
}

/**
 * Every way a .prnn file can be refused, with a message meant for the person holding the file.
 * `kind` lets a caller (the app, a test) react without parsing the message.
 */
export type CodecErrorKind = 'empty' | 'not-prnn' | 'version' | 'truncated' | 'corrupt' | 'model' | 'shape' | 'backend' | 'checksum' | 'input';

export class CodecError extends Error {
  constructor(
    readonly kind: CodecErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

export function writeFile(header: PrnnHeader, payload: Uint8Array): Uint8Array {
  const id = new TextEncoder().encode(header.modelId);
  if (id.length < 1 || id.length > 255) throw new CodecError('input', `The model id must be 1 to 255 bytes of UTF-8, got ${id.length}`);
  if (header.fingerprint.length !== 8) throw new Error('The weights fingerprint must be 8 bytes');
  if (!(Number.isInteger(header.pixelCrcHigh) && header.pixelCrcHigh >= 0 && header.pixelCrcHigh < 256)) throw new Error('pixelCrcHigh must be a byte');
  const size = headerBytes(id.length) + payload.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const ch of MAGIC) out[at++] = ch.charCodeAt(0);
  out[at++] = VERSION;
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
  out[at++] = header.pixelCrcHigh;
  view.setUint32(at, payload.length);
  at += 4;
  out.set(payload, at);
  at += payload.length;
  view.setUint32(at, crc32(out.subarray(0, at)));
  return out;
}

/** Parses and checks a file's structure and CRC; says nothing yet about whether a model can decode it. */
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
  if (version !== VERSION) throw new CodecError('version', `This .prnn file has format version ${version}; this program reads version ${VERSION}`);
  const n = bytes[5]!;
  const fixedEnd = 6 + n + 8 + 4 + 3 + 5;
  short(fixedEnd);
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
  const pixelCrcHigh = bytes[at++]!;
  const payloadLength = view.getUint32(at);
  at += 4;
  const end = at + payloadLength + 4;
  if (bytes.length < end)
    throw new CodecError('truncated', `The file is truncated: its header announces ${end} bytes (${payloadLength} of coded data), but it has ${bytes.length}`);
  if (bytes.length > end) throw new CodecError('corrupt', `The file is corrupt: ${bytes.length - end} unexpected bytes after its end`);
  if (view.getUint32(end - 4) !== crc32(bytes.subarray(0, end - 4)))
    throw new CodecError('corrupt', 'The file is corrupt: its CRC-32 does not match its contents (changed on disk or in transit)');
  // Past the CRC, a bad field means a file written wrongly, not damaged: still refused, with the field named.
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
  return {
    header: { version, modelId, fingerprint, height, width, channels, output: outputCode === 0 ? 'binary' : 'softmax256', backend, pixelCrcHigh },
    payload: bytes.subarray(at, at + payloadLength),
  };
}

/** Bytes of a file besides its payload, for a model id of `idBytes` bytes. */
export function headerBytes(idBytes: number): number {
  return 6 + idBytes + 8 + 4 + 3 + 5 + 4;
}
