/** The Compress tab's slice of the app state (state.ts holds it as `compress`); actions/compress.ts writes it. */
import type { BackendFamily, CodecErrorKind } from '../core/codec/index';
import type { ModelConfig } from '../core/models/config';
import type { BaselineSizes } from '../worker/codecProtocol';

export interface CodecProgressState {
  done: number;
  total: number;
  /** Before coding starts: what the worker is doing (loading the model on its backend). */
  note?: string;
}

export interface CompressState {
  /** The picture being compressed [H,W,C], in the model's value range. */
  source: Uint8Array | null;
  sourceName: string | null;
  /** Upload problems (not an image, too large …). */
  message: string | null;
  encode: {
    status: 'idle' | 'running' | 'done' | 'cancelled' | 'refused' | 'error';
    progress: CodecProgressState;
    /** The finished file and what it cost, for the model and picture it was made with. */
    result: {
      file: Uint8Array;
      headerBytes: number;
      payloadBytes: number;
      modelBits: Float64Array;
      nllBits: number;
      backend: BackendFamily;
      ms: number;
      modelId: string;
      config: ModelConfig;
    } | null;
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
    /** The decoded picture [H,W,C] (its pixel checksum held) and its shape. */
    image: Uint8Array | null;
    config: ModelConfig | null;
    /** Whether the decoded pixels equal the picture compressed on this page (null: nothing to compare). */
    sameAsSource: boolean | null;
    backend: BackendFamily | null;
    ms: number;
    /** A refusal of the codec: its kind and message. */
    refusal: { kind: CodecErrorKind; message: string } | null;
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
  decode: { status: 'idle', fileName: null, fileBytes: 0, fileModel: null, fileBackend: null, progress: { done: 0, total: 0 }, image: null, config: null, sameAsSource: null, backend: null, ms: 0, refusal: null, error: null },
};
