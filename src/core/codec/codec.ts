import * as tf from '@tensorflow/tfjs';
import { categories, type ModelConfig } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { cachedProvider } from '../sampling/cached';
import { logProbOf } from '../sampling/draw';
import { jsSupports, PixelCnnEvaluator, pixelCnnWeights, type PixelCnnWeights } from '../sampling/js/pixelcnn';
import { BACKENDS, CodecError, imageHeader, readFile, writeFile, writeImages, type BackendFamily, type PrnnFile, type PrnnFileHeader, type PrnnHeader, type TfjsBackend } from './format';
import { crc32, hex, weightsFingerprint } from './hash';
import { quantize } from './quantize';
import { findSymbol, RansDecoder, RansEncoder, RansError } from './rans';

/**
 * Lossless coding of images with a model: each sub-pixel, in the sampler's order (pixels in raster order,
 * R → G → B inside a pixel), is coded with the model's distribution given every earlier sub-pixel, so a
 * file costs the image's negative log-likelihood in bits, plus the header and a few bytes.
 *
 * Same probabilities on both sides, by construction. Encoder and decoder run one loop (`codingPass`):
 * it asks a logits source for the logits of sub-pixel (row, col, c) with an image buffer that holds
 * exactly the sub-pixels coded so far (later ones 0), quantises them (quantize.ts), and then writes the
 * sub-pixel's value into the buffer: the encoder the true value, the decoder the value it just decoded.
 * So the encoder computes what the decoder will compute, call for call.
 *
 * Two logits sources; the file records which (its backend family):
 *   - 'js': the JavaScript evaluator (src/core/sampling/js/pixelcnn.ts) for unconditional PixelCNNs, the
 *     default where it applies: plain double arithmetic in a fixed order, so its files decode bit-exactly
 *     on any backend and JavaScript engine, and several times faster than tfjs at batch 1 (no per-op cost);
 *   - a tfjs backend ('cpu', 'wasm', 'webgpu', 'webgl'): the cached sampler's LogitsProvider
 *     (src/core/sampling/cached.ts) on that backend, for the other architectures, or when asked
 *     (`engine: 'tfjs'`). Backends round differently, so such a file decodes on its own backend only
 *     (see `decodeImages`).
 *
 * Batching. Several images can be coded in lockstep (a batch of B through the provider). That gives each
 * image the same logits as coding it alone only if the backend's products compute each row of a batch the
 * same way whatever the other rows: tested on cpu and wasm (test/codec/codec.test.ts), and checked again by
 * `npm run bench:codec`, which decodes some of its batched files one by one.
 *
 * Files. `encodeImages` gives one file per image (format version 1); `encodeFile` puts several images in one
 * file (version 2: one header, then per image its length, pixel-CRC byte and coded data; format.ts), and
 * `decodeFile` decodes such a file (any version), all its images or the chosen ones: every image has its
 * own rANS stream and pixel check, so each decodes and is verified on its own.
 */

/** A model ready to code: its id (written in files) and its weights' fingerprint (computed once). */
export interface CodecModel {
  model: PixelModel;
  id: string;
  fingerprint: Uint8Array;
  /** The weights for the JavaScript evaluator, read once (null: the architecture has no such evaluator). */
  js: PixelCnnWeights | null;
}

export async function codecModel(model: PixelModel, id: string): Promise<CodecModel> {
  if (model.config.condition) throw new CodecError('input', 'The codec codes with unconditional models only; this one is conditioned on a small image');
  return { model, id, fingerprint: await weightsFingerprint(model), js: jsSupports(model) ? await pixelCnnWeights(model) : null };
}

/** The backend family of tfjs's current backend, as recorded in files made on the tfjs path. */
export function currentBackend(): TfjsBackend {
  const name = tf.getBackend();
  if (!(BACKENDS as readonly string[]).includes(name)) throw new CodecError('backend', `The codec does not know the tfjs backend "${name}" (it knows ${BACKENDS.join(', ')})`);
  return name as TfjsBackend;
}

/**
 * Which logits source an encode uses: 'auto' (the default) takes the JavaScript evaluator where the model
 * has one (family 'js', portable), else tfjs on the current backend; 'tfjs' always the latter.
 */
export type Engine = 'auto' | 'tfjs';

/** The family a file encoded with this model and engine records. */
export function encodeFamily(cm: CodecModel, engine: Engine = 'auto'): BackendFamily {
  return engine === 'auto' && cm.js ? 'js' : currentBackend();
}

export interface CodingOptions {
  /** Called after every sub-pixel step (of the whole batch): done out of total = H·W·C. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Aborts between two steps; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Sees every quantised table, image b's at sub-pixel `at` (cumulative, k + 1 entries; reused: copy it). For tests. */
  onTable?: (b: number, at: number, cum: Uint32Array) => void;
}

export interface EncodeOptions extends CodingOptions {
  /** 'auto' (default): the JavaScript evaluator where the model has one, else tfjs; 'tfjs': tfjs always. */
  engine?: Engine;
}

export interface EncodeResult {
  file: Uint8Array;
  header: PrnnHeader;
  /** The coded data (the rANS stream) alone, as it sits in the file. */
  payload: Uint8Array;
  payloadBytes: number;
  /** −log2 p(value) under the model, per sub-pixel [H·W·C] (float64, before quantisation): the surprise map. */
  modelBits: Float64Array;
  /** Sum of modelBits: the ideal size of the payload in bits. */
  nllBits: number;
  /** Sum over sub-pixels of log2(M / frequency): what the quantised tables cost, before the coder's bytes. */
  quantizedBits: number;
}

/** Encodes one image [H,W,C] (values 0…255, or 0/1 for a binary model) into a .prnn file. */
export async function encodeImage(cm: CodecModel, image: Uint8Array, options: EncodeOptions = {}): Promise<EncodeResult> {
  return (await encodeImages(cm, [image], options))[0]!;
}

/** Encodes a batch of images in lockstep: one file per image (see "Batching" above). */
export async function encodeImages(cm: CodecModel, images: Uint8Array[], options: EncodeOptions = {}): Promise<EncodeResult[]> {
  const cfg = cm.model.config;
  const per = cfg.height * cfg.width * cfg.channels;
  images.forEach((img, b) => checkImage(cfg, img, images.length > 1 ? `image ${b}: ` : ''));
  const backend = encodeFamily(cm, options.engine);
  const coders = images.map(() => new RansEncoder());
  const modelBits = images.map(() => new Float64Array(per));
  const quantBits = new Float64Array(images.length);
  await codingPass(cm, backend, images.length, options, (b, at, cum, logits, offset, kLogits) => {
    const v = images[b]![at]!;
    const f = cum[v + 1]! - cum[v]!;
    coders[b]!.put(cum[v]!, f);
    quantBits[b]! += 16 - Math.log2(f);
    modelBits[b]![at] = -logProbOf(logits, offset, kLogits, v) / Math.LN2;
    return v;
  });
  return images.map((img, b) => {
    const crc = crc32(img);
    const payload = coders[b]!.finish(crc & 0xffffff); // the CRC's low 24 bits ride in the coder's initial state
    const header: PrnnHeader = {
      version: 1,
      modelId: cm.id,
      fingerprint: cm.fingerprint,
      height: cfg.height,
      width: cfg.width,
      channels: cfg.channels,
      output: cfg.output,
      backend,
      pixelCrcHigh: crc >>> 24,
    };
    const bits = modelBits[b]!;
    let nll = 0;
    for (let i = 0; i < per; i++) nll += bits[i]!;
    return { file: writeFile(header, payload), header, payload, payloadBytes: payload.length, modelBits: bits, nllBits: nll, quantizedBits: quantBits[b]! };
  });
}

export interface EncodeFileOptions extends EncodeOptions {
  /** Images coded in lockstep at a time (default 8); the file is the same whatever the batch. */
  batch?: number;
}

export interface EncodeFileResult {
  /** One .prnn file holding every image: version 1 for one image, version 2 for several (format.ts). */
  file: Uint8Array;
  /** Each image's coding, in order (its `file` is that image alone, as `encodeImages` gives it). */
  images: EncodeResult[];
  /** Bytes of `file` besides the payloads: the shared header and CRC, and 2 to 4 bytes per image. */
  overheadBytes: number;
}

/**
 * Encodes images into one file, `batch` at a time in lockstep; progress counts the sub-pixels of all images.
 */
export async function encodeFile(cm: CodecModel, images: Uint8Array[], options: EncodeFileOptions = {}): Promise<EncodeFileResult> {
  if (images.length === 0) throw new CodecError('input', 'Nothing to encode: give one image or more');
  const batch = Math.max(1, Math.floor(options.batch ?? 8));
  const per = cm.model.config.height * cm.model.config.width * cm.model.config.channels;
  const results: EncodeResult[] = [];
  for (let i = 0; i < images.length; i += batch) {
    const at = i;
    const part = images.slice(i, i + batch);
    // a shape error names the image by its place in the whole list
    part.forEach((img, b) => checkImage(cm.model.config, img, images.length > 1 ? `image ${at + b + 1}: ` : ''));
    results.push(
      ...(await encodeImages(cm, part, {
        ...options,
        onProgress: options.onProgress && ((done) => options.onProgress!(at * per + done * part.length, images.length * per)),
        onTable: options.onTable && ((b, k, cum) => options.onTable!(at + b, k, cum)),
      })),
    );
  }
  const { pixelCrcHigh: _, version: __, ...shared } = results[0]!.header;
  const file = writeImages(shared, results.map((r) => ({ pixelCrcHigh: r.header.pixelCrcHigh, payload: r.payload })));
  return { file, images: results, overheadBytes: file.length - results.reduce((s, r) => s + r.payloadBytes, 0) };
}

export interface DecodeOptions extends CodingOptions {
  /**
   * Decode even if the file was made on another backend family. Off by default: the probabilities then
   * usually differ in some last bit, and the decode ends in a pixel-checksum failure (never a wrong
   * image). For measuring portability.
   */
  allowOtherBackend?: boolean;
}

export interface DecodeResult {
  /** [H,W,C] sub-pixel values, checked against the file's pixel CRC. */
  image: Uint8Array;
  header: PrnnHeader;
}

/**
 * Reads a file's header (throws CodecError for a damaged or foreign file), e.g. to pick the model; `images`
 * says how many it holds. The whole file is parsed and its CRC checked. With `salvage`, a multi-image file cut
 * short gives the header with `images` = those stored whole (see `decodeFile`).
 */
export function readHeader(file: Uint8Array, options: { salvage?: boolean } = {}): PrnnFileHeader {
  return parseOrSalvage(file, options.salvage === true).parsed.header;
}

/**
 * Parses a file; with `salvage`, a multi-image file cut short gives its images stored whole before the cut, with
 * how many it announced and the refusal it would otherwise have had. Anything else damaged is refused.
 */
function parseOrSalvage(file: Uint8Array, salvage: boolean): { parsed: PrnnFile; truncated?: { total: number; message: string } } {
  try {
    return { parsed: readFile(file) };
  } catch (e) {
    if (!(salvage && e instanceof CodecError && e.salvage)) throw e;
    return { parsed: e.salvage.file, truncated: { total: e.salvage.total, message: e.message } };
  }
}

/** Decodes a file of one image (a file of several is refused: decode it with `decodeFile`). */
export async function decodeImage(cm: CodecModel, file: Uint8Array, options: DecodeOptions = {}): Promise<DecodeResult> {
  return (await decodeImages(cm, [file], options))[0]!;
}

/**
 * Decodes files made with this model in lockstep. Refuses (CodecError) a damaged file, a file of another
 * model or weights, another image size, another backend family (unless allowed), and a decoded image
 * whose CRC differs from the one recorded: a wrong image is never returned.
 */
export async function decodeImages(cm: CodecModel, files: Uint8Array[], options: DecodeOptions = {}): Promise<DecodeResult[]> {
  const streams = files.map((f) => {
    const p = readFile(f);
    if (p.images.length !== 1)
      throw new CodecError('input', `This file holds ${p.images.length} images; decode it with decodeFile (npm run codec -- decode <file.prnn> <folder>)`);
    return { header: imageHeader(p, 0), payload: p.images[0]!.payload, label: '' };
  });
  return decodeStreams(cm, streams, options);
}

export interface DecodeFileOptions extends DecodeOptions {
  /** Which images to decode (0-based, in any order; default: all). Each is decoded and checked on its own. */
  only?: number[];
  /** Images decoded in lockstep at a time (default 8). */
  batch?: number;
  /**
   * A multi-image file cut short: decode the images stored whole before the cut (each still checked against
   * its own pixel CRC-32) instead of refusing it, and say in `truncated` what was lost. Default: refuse.
   */
  salvage?: boolean;
}

export interface DecodeFileResult {
  header: PrnnFileHeader;
  /** The decoded images, in the order asked, each with its place in the file (0-based) and checked against its own pixel CRC. */
  images: Array<DecodeResult & { index: number }>;
  /** Set when `salvage` decoded part of a file cut short: how many images it announced, and the refusal it would have had. */
  truncated?: { total: number; message: string };
}

/**
 * Decodes a .prnn file of any version: all its images, or the ones in `only`. Refuses what `decodeImages`
 * refuses; a failure names the image (1-based: "image 3 of 5"). Progress counts the sub-pixels of all of them.
 */
export async function decodeFile(cm: CodecModel, file: Uint8Array, options: DecodeFileOptions = {}): Promise<DecodeFileResult> {
  const { parsed, truncated } = parseOrSalvage(file, options.salvage === true);
  const count = parsed.images.length;
  const announced = truncated?.total ?? count; // a salvaged file names its images out of all it held
  const which = options.only ?? parsed.images.map((_, k) => k);
  for (const k of which)
    if (!(Number.isInteger(k) && k >= 0 && k < count)) throw new CodecError('input', `No image ${k + 1} in this file: it holds ${count} image${count === 1 ? '' : 's'}`);
  const batch = Math.max(1, Math.floor(options.batch ?? 8));
  const per = parsed.header.height * parsed.header.width * parsed.header.channels;
  const images: DecodeFileResult['images'] = [];
  for (let i = 0; i < which.length; i += batch) {
    const part = which.slice(i, i + batch);
    const at = i;
    const streams = part.map((k) => ({ header: imageHeader(parsed, k), payload: parsed.images[k]!.payload, label: announced > 1 ? `image ${k + 1} of ${announced}: ` : '' }));
    const decoded = await decodeStreams(cm, streams, {
      ...options,
      onProgress: options.onProgress && ((done) => options.onProgress!(at * per + done * part.length, which.length * per)),
      onTable: options.onTable && ((b, k, cum) => options.onTable!(at + b, k, cum)),
    });
    decoded.forEach((d, b) => images.push({ ...d, index: part[b]! }));
  }
  return truncated ? { header: parsed.header, images, truncated } : { header: parsed.header, images };
}

/** Decodes rANS streams with their headers in lockstep (see `decodeImages`); `label` prefixes a failure's message. */
async function decodeStreams(cm: CodecModel, parsed: Array<{ header: PrnnHeader; payload: Uint8Array; label: string }>, options: DecodeOptions): Promise<DecodeResult[]> {
  const cfg = cm.model.config;
  if (parsed.some((p) => p.header.backend !== parsed[0]!.header.backend)) {
    // one logits source per lockstep pass: files of different families decode one by one
    const out: DecodeResult[] = [];
    for (const p of parsed) out.push((await decodeStreams(cm, [p], options))[0]!);
    return out;
  }
  const family = parsed[0]?.header.backend ?? 'js';
  // the arithmetic that will compute the probabilities here: the evaluator's for a 'js' file, else tfjs's
  const backend: BackendFamily = family === 'js' ? 'js' : currentBackend();
  for (const { header: h } of parsed) {
    if (h.modelId !== cm.id)
      throw new CodecError('model', `This file was made with the model "${h.modelId}"; it cannot be decoded with "${cm.id}". Load "${h.modelId}" to decode it.`);
    if (hex(h.fingerprint) !== hex(cm.fingerprint))
      throw new CodecError(
        'model',
        `This file was made with other weights of the model "${h.modelId}" (fingerprint ${hex(h.fingerprint)}, loaded ${hex(cm.fingerprint)}): ` +
          'the model was retrained or fine-tuned since. Only the exact weights that made a file can decode it.',
      );
    if (h.height !== cfg.height || h.width !== cfg.width || h.channels !== cfg.channels || h.output !== cfg.output)
      throw new CodecError('shape', `The file holds a ${h.width}×${h.height}×${h.channels} ${h.output} image; the model codes ${cfg.width}×${cfg.height}×${cfg.channels} ${cfg.output}`);
    if (h.backend === 'js' && !cm.js)
      throw new CodecError(
        'backend',
        `This file was made with the JavaScript evaluator, which this version of PixelRNN Lab has for PixelCNNs only, not for this ${cfg.arch} model: ` +
          'decode it with the version that made it.',
      );
    if (h.backend !== backend && !options.allowOtherBackend)
      throw new CodecError(
        'backend',
        `This file was encoded on the ${h.backend} backend and can only be decoded there (now on ${backend}): ` +
          `backends round floating point differently, and one different bit in a probability garbles the rest of the image. Switch to ${h.backend} to decode it.`,
      );
  }
  const per = cfg.height * cfg.width * cfg.channels;
  // The file's CRC held, so the coded data is as the encoder wrote it: from here on, any failure means
  // this decoder's probabilities differ from the encoder's (another backend), reported as a checksum failure.
  const mismatch = (h: PrnnHeader, what: string, label = '') =>
    new CodecError(
      'checksum',
      `Decoding ${label ? label.replace(/: $/, ' ') : ''}failed: ${what}, so the probabilities computed here differ from the encoder's` +
        (h.backend !== backend ? ` (it was encoded on ${h.backend}, decoded on ${backend}: decode it on ${h.backend})` : ' (same backend: a bug, or a different build of it)'),
    );
  const decoders = parsed.map((p) => {
    try {
      return new RansDecoder(p.payload);
    } catch (e) {
      throw e instanceof RansError ? new CodecError('corrupt', `The file is corrupt: ${p.label}${e.message}`) : e;
    }
  });
  const out = parsed.map(() => new Uint8Array(per));
  const k = categories(cfg);
  const low = new Array<number>(parsed.length);
  let b = 0;
  try {
    await codingPass(cm, family === 'js' ? 'js' : currentBackend(), parsed.length, options, (bb, at, cum) => {
      b = bb;
      const d = decoders[bb]!;
      const v = findSymbol(cum, k, d.slot());
      d.consume(cum[v]!, cum[v + 1]! - cum[v]!);
      out[bb]![at] = v;
      return v;
    });
    for (b = 0; b < decoders.length; b++) low[b] = decoders[b]!.finish();
  } catch (e) {
    if (e instanceof RansError) throw mismatch(parsed[b]!.header, `the coded data did not fit (${e.message})`, parsed[b]!.label);
    throw e;
  }
  return parsed.map(({ header, label }, i) => {
    if (crc32(out[i]!) !== ((header.pixelCrcHigh << 24) | low[i]!) >>> 0) throw mismatch(header, 'the decoded pixels do not match the checksum recorded in the file', label);
    return { image: out[i]!, header };
  });
}

/** What fetch and friends throw when aborted (an Error named AbortError; no DOM needed). */
function abortError(): Error {
  const e = new Error('Coding was cancelled');
  e.name = 'AbortError';
  return e;
}

/**
 * The surprise map: bits per pixel [H·W] from an encode's per-sub-pixel `modelBits` [H·W·C] (the sum of
 * a pixel's colours; `channel` picks one colour instead).
 */
export function bitsPerPixel(modelBits: Float64Array, config: Pick<ModelConfig, 'height' | 'width' | 'channels'>, channel?: number): Float64Array {
  const { height: H, width: W, channels: C } = config;
  const out = new Float64Array(H * W);
  for (let p = 0; p < H * W; p++)
    if (channel === undefined) for (let c = 0; c < C; c++) out[p]! += modelBits[p * C + c]!;
    else out[p] = modelBits[p * C + channel]!;
  return out;
}

function checkImage(cfg: ModelConfig, image: Uint8Array, prefix: string): void {
  const per = cfg.height * cfg.width * cfg.channels;
  if (image.length !== per)
    throw new CodecError('shape', `${prefix}the model codes ${cfg.width}×${cfg.height}×${cfg.channels} images (${per} values), got ${image.length} values`);
  if (cfg.output === 'binary')
    for (let i = 0; i < per; i++)
      if (image[i]! > 1) throw new CodecError('input', `${prefix}a binary model codes values 0 and 1 only; sub-pixel ${i} is ${image[i]}`);
}

/** Logits of one sub-pixel for the whole batch ([B·K], K = 256 or 1), from the images [B·H·W·C] so far. */
interface LogitsSource {
  logitsAt(row: number, col: number, channel: number, images: Uint8Array): ArrayLike<number> | Promise<ArrayLike<number>>;
  dispose(): void;
}

/** The JavaScript evaluator as a batch source: one evaluator per image, logits into one buffer. */
function jsSource(w: PixelCnnWeights, batch: number): LogitsSource {
  const per = w.height * w.width * w.channels;
  const evaluators = Array.from({ length: batch }, () => new PixelCnnEvaluator(w));
  const out = new Float64Array(batch * w.K);
  return {
    logitsAt(row, col, channel, images) {
      for (let b = 0; b < batch; b++) evaluators[b]!.logitsAt(row, col, channel, images.subarray(b * per, (b + 1) * per), out, b * w.K);
      return out;
    },
    dispose() {},
  };
}

/**
 * Lets the event loop run (messages, such as a worker's cancel; timers) at most every YIELD_MS of synchronous
 * work: the JavaScript evaluator never awaits anything else. In Node, setImmediate (after I/O and timers); in
 * browsers, a MessageChannel round trip (a task of its own), not setTimeout, which they clamp to 4 ms when
 * nested. (Node's MessagePort drains messages posted while it drains, so it would starve timers there.)
 */
const YIELD_MS = 30;
function macrotasks(): { maybeYield(): Promise<void> | undefined; close(): void } {
  let last = performance.now();
  let wake: (() => void) | null = null;
  const g = globalThis as unknown as { setImmediate?: (f: () => void) => unknown };
  // typed by hand: the core is built without the DOM's types (Node and browsers both have these members)
  type Port = { onmessage: (() => void) | null; postMessage(v: unknown): void; close(): void };
  const pair = g.setImmediate || typeof MessageChannel === 'undefined' ? null : new MessageChannel();
  const channel = pair && { port1: pair.port1 as unknown as Port, port2: pair.port2 as unknown as Port };
  if (channel)
    channel.port1.onmessage = () => {
      const w = wake;
      wake = null;
      w?.();
    };
  return {
    maybeYield() {
      const now = performance.now();
      if (now - last < YIELD_MS) return undefined;
      last = now;
      return new Promise<void>((resolve) => {
        if (g.setImmediate) g.setImmediate(resolve);
        else if (!channel) setTimeout(resolve, 0);
        else {
          wake = resolve;
          channel.port2.postMessage(0);
        }
      });
    },
    close() {
      if (channel) {
        channel.port1.onmessage = null;
        channel.port1.close();
        channel.port2.close();
      }
    },
  };
}

/**
 * The loop both directions share. For every sub-pixel `at` in raster × RGB order: the logits from the
 * family's source (the JavaScript evaluator, or the cached provider on the current tfjs backend) given the
 * sub-pixels coded so far, the quantised table of each image's sub-pixel, then `visit` returns the value
 * to write into the buffer (encoder: the true one; decoder: the decoded one).
 */
async function codingPass(
  cm: CodecModel,
  family: BackendFamily,
  batch: number,
  options: CodingOptions,
  visit: (b: number, at: number, cum: Uint32Array, logits: ArrayLike<number>, offset: number, kLogits: number) => number,
): Promise<void> {
  const model = cm.model;
  const { height: H, width: W, channels: C } = model.config;
  const k = categories(model.config);
  const kLogits = k === 2 ? 1 : 256; // binary models give one logit per sub-pixel
  const per = H * W * C;
  const buffer = new Uint8Array(batch * per);
  const cum = new Uint32Array(k + 1);
  const scratch = new Float64Array(k);
  const source: LogitsSource = family === 'js' ? jsSource(cm.js!, batch) : cachedProvider(model, { count: batch, seed: 0 });
  const loop = macrotasks();
  try {
    let done = 0;
    for (let row = 0; row < H; row++)
      for (let col = 0; col < W; col++)
        for (let c = 0; c < C; c++) {
          await loop.maybeYield();
          if (options.signal?.aborted) throw abortError();
          const at = (row * W + col) * C + c;
          const logits = await source.logitsAt(row, col, c, buffer);
          for (let b = 0; b < batch; b++) {
            quantize(logits, b * kLogits, k, cum, scratch);
            options.onTable?.(b, at, cum);
            buffer[b * per + at] = visit(b, at, cum, logits, b * kLogits, kLogits);
          }
          await options.onProgress?.(++done, per);
        }
  } finally {
    loop.close();
    source.dispose();
  }
}
