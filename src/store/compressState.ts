/** The Compress tab's slice of the app state (state.ts holds it as `compress`); actions/compress.ts writes it. */
import type { BackendFamily, CodecErrorKind } from '../core/codec/index';
import type { ModelConfig } from '../core/models/config';
import type { BaselineSizes, CodecProgress, Compressed } from '../worker/codecProtocol';

/** The worker's progress events, as the page keeps them. */
export type CodecProgressState = CodecProgress;

export interface CompressState {
  /** The picture being compressed [H,W,C], in the model's value range. */
  source: Uint8Array | null;
  sourceName: string | null;
  /** Upload problems (not an image, too large …). */
  message: string | null;
  encode: {
    status: 'idle' | 'running' | 'done' | 'cancelled' | 'refused' | 'error';
    progress: CodecProgressState;
    /** The finished file and what it cost (the worker's answer), for the model and picture it was made with. */
    result: (Compressed & { modelId: string; config: ModelConfig }) | null;
    error: string | null;
  };
  /** PNG / WebP-lossless sizes of the same picture (null while measuring). */
  baselines: BaselineSizes | null;
  /** The surprise map's picked pixel. */
  picked: { row: number; col: number } | null;
  decode: {
    status: 'idle' | 'running' | 'done' | 'cancelled' | 'refused' | 'error';
    fileName: string | null;
    fileBytes: number;
    /** What the file's header says made it (null until read, or for a file that is no .prnn). */
    fileModel: string | null;
    fileBackend: BackendFamily | null;
    progress: CodecProgressState;
    /** The decoded pictures [count,H,W,C] (each one's pixel checksum held), how many, and their shape. */
    image: Uint8Array | null;
    count: number;
    config: ModelConfig | null;
    /**
     * Whether the decoded pixels equal the picture compressed on this page (null: nothing to compare); for a
     * file of several pictures, whether one of them does.
     */
    sameAsSource: boolean | null;
    backend: BackendFamily | null;
    ms: number;
    /** A refusal of the codec: its kind and message. */
    refusal: { kind: CodecErrorKind; message: string } | null;
    /** A multi-image file cut short: the pictures above are those stored whole, of `total`; `message` says where it ends. */
    truncated: { total: number; message: string } | null;
    error: string | null;
  };
}

export const initialCompress: CompressState = {
  source: null,
  sourceName: null,
  message: null,
  encode: { status: 'idle', progress: { done: 0, total: 0 }, result: null, error: null },
  baselines: null,
  picked: null,
  decode: { status: 'idle', fileName: null, fileBytes: 0, fileModel: null, fileBackend: null, progress: { done: 0, total: 0 }, image: null, count: 0, config: null, sameAsSource: null, backend: null, ms: 0, refusal: null, truncated: null, error: null },
};
