/**
 * The codec worker's API (codec.worker.ts, the Compress tab): arguments, results and progress events.
 * Pixels travel as uint8 [H,W,C] (0/1 for binary models); files as the .prnn bytes; both transferred.
 */
import type { BackendFamily, CodecErrorKind } from '../core/codec/index';
import type { BackendName } from '../gpu/names';
import type { ModelSource } from './protocol';
import type { Method } from './rpc';

/** Sub-pixels coded so far, sent at most every few tens of milliseconds. */
export interface CodecProgress {
  done: number;
  total: number;
  /** What happens before coding starts (loading the model on its backend). */
  note?: string;
}

export interface CompressArgs {
  /** [H,W,C] in the loaded model's value range. */
  image: Uint8Array;
  /** The id written in the file (the registry id of the loaded model): a decoder must load the same. */
  modelId: string;
  /** Where the worker loads that model from (the registry's source of the page's model). */
  source: ModelSource;
  /** `?backend=`: code on it, if it runs here (else wasm, else cpu: codecBackend.ts). */
  forced: BackendName | null;
}

export interface Compressed {
  file: Uint8Array;
  /** Bytes of the file besides the coded data (magic, model id, fingerprint, shape, backend, CRCs). */
  headerBytes: number;
  payloadBytes: number;
  /** −log2 p of each sub-pixel under the model [H·W·C]: the surprise map, and the NLL it sums to. */
  modelBits: Float64Array;
  nllBits: number;
  backend: BackendFamily;
  ms: number;
}

/** A refusal of the codec (src/core/codec/format.ts), with its kind, for the page to show as such. */
export interface CodecRefusal {
  ok: false;
  kind: CodecErrorKind;
  message: string;
}

export type CompressResult = ({ ok: true } & Compressed) | CodecRefusal;

export interface RestoreArgs {
  file: Uint8Array;
  /** The page's model: the file must have been made with it (else refused, naming the file's model). */
  modelId: string;
  source: ModelSource;
}

export type RestoreResult =
  | {
      ok: true;
      /**
       * Every image of the file, [count,H,W,C] one after the other (a file may hold several: format
       * version 2), each checked against its own pixel CRC.
       */
      image: Uint8Array;
      count: number;
      modelId: string;
      backend: BackendFamily;
      ms: number;
      /** A multi-image file cut short: `image` holds the `count` images stored whole before the cut, of the `total` it announced. */
      truncated?: { total: number; message: string };
    }
  | CodecRefusal;

/** The same image in the usual lossless formats, as this browser writes them. */
export interface BaselineSizes {
  /** PNG bytes (our own writer: src/worker/png.ts), or null with why. */
  png: number | null;
  pngNote: string;
  webp: number | null;
  webpNote: string;
}

export type CodecApi = {
  /** Codes an image with the model (the cached sampler's logits, on the backend codecBackend.ts picks). */
  compress: Method<CompressArgs, CompressResult, CodecProgress>;
  /** Decodes a .prnn file (all its images) with the model, on the backend the file names, or says why it cannot. */
  restore: Method<RestoreArgs, RestoreResult, CodecProgress>;
  /** PNG and WebP-lossless sizes of an image [H,W,C] of the loaded model's shape. */
  baselines: Method<{ image: Uint8Array; height: number; width: number; channels: 1 | 3; binary: boolean }, BaselineSizes>;
};
