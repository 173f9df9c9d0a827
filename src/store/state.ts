/** The app's whole state and its initial value. Actions (actions/*.ts) are the only writers. */
import type { ModelCard, ModelConfig } from '../core/index';
import type { BackendChoice, Environment } from '../gpu/names';
import type { InspectResult, SavedRun } from '../worker/protocol';
import { initialCompress, type CompressState } from './compressState';
import type { ModelEntry } from './registry';
import { initialRField, type RFieldState } from './rfieldState';
import type { Tab } from './url';

export type WorkerName = 'sampler' | 'trainer';

export interface Fault {
  worker: WorkerName;
  kind: 'crash' | 'deviceLost';
  message: string;
}

export interface SampleRun {
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  /** uint8 [count,H,W,C] as drawn so far. */
  images: Uint8Array | null;
  count: number;
  /** Config of the model that drew them (the shape to draw with). */
  config: ModelConfig | null;
  /** Registry id of the model that drew them: only that model may explain their pixels (the inspector). */
  modelId: string | null;
  /** Raster × RGB steps done of `total` (every sub-pixel: what the grid dims as pending). */
  done: number;
  total: number;
  /**
   * Sub-pixels the model has drawn of those it must draw: all of them when sampling, only the hidden ones
   * when inpainting (the visible ones are kept, not drawn). What the progress counter and speed count.
   */
  drawn: number;
  toDraw: number;
  row: number;
  col: number;
  channel: number;
  startedAt: number;
  subPixelsPerSecond: number;
  /** Device → CPU reads of the finished run when the sampler drew on the device (WebGPU); null otherwise. */
  readbacks: number | null;
  logProb: Float64Array | null;
  seed: number;
  temperature: number;
  /** A class-conditional model's run: the class the images were drawn given (null: none, "any"). */
  drawClass?: number | null;
  error: string | null;
  /**
   * A Multi-Scale PixelRNN's run: the stage being drawn (null once finished), the small images [count,s,s,C] and
   * the small model's config, its sub-pixel steps done, and the stages in the order they began with how far the
   * small stage was when each began (what the e2e checks: the small image is finished before the large begins).
   */
  stage?: 'small' | 'large' | null;
  small?: Uint8Array | null;
  smallConfig?: ModelConfig | null;
  smallDone?: number;
  stageLog?: Array<{ stage: 'small' | 'large'; smallDone: number }>;
}

export interface UploadItem {
  name: string;
  ok: boolean;
  message: string | null;
  /** Model input [H,W,C] (0/1 for binary models) when ok. */
  pixels: Uint8Array | null;
  selected: boolean;
}

export interface TrainPoint {
  step: number;
  value: number;
}

export interface AppState {
  tab: Tab;
  backend: {
    status: 'starting' | 'ready' | 'failed';
    /** What the sampling worker's browser offers. */
    env: Environment | null;
    /** The backend sampling runs on for the loaded model, and why (null until a model is loaded). */
    sampling: BackendChoice | null;
    /** A `?backend=` value that names no backend. */
    urlProblem: string | null;
    error: string | null;
  };
  /** The backend the last fine-tune ran on, and why. */
  trainerBackend: BackendChoice | null;
  faults: Fault[];
  registry: { status: 'loading' | 'ready'; models: ModelEntry[]; warnings: string[] };
  dataset: string;
  modelId: string | null;
  model: {
    status: 'idle' | 'loading' | 'ready' | 'error';
    id: string | null;
    /** 0..1 of the weights downloaded. */
    progress: number;
    /** What loading is doing after the download (measuring backends, compiling the sampler). */
    note: string | null;
    config: ModelConfig | null;
    card: ModelCard;
    params: number;
    error: string | null;
    /** A Multi-Scale PixelRNN: its small half (`config` above is the large, conditional half). */
    small?: { config: ModelConfig; card: ModelCard; params: number } | null;
  };
  /** drawClass: a class-conditional model's class to draw (index into its class names), null for "any" (none). */
  sampleSettings: { count: number; seed: number; temperature: number; drawClass: number | null };
  sample: SampleRun;
  /** `stage` 'small': a pixel of a multi-scale pair's small image (else of the image the model drew). */
  inspect: { index: number; row: number; col: number; status: 'loading' | 'ready' | 'error'; result: InspectResult | null; error: string | null; stage?: 'small' | 'large' } | null;
  inpaint: {
    /** [H,W,C] of the picture being completed, in the model's value range. */
    source: Uint8Array | null;
    sourceName: string | null;
    /** H·W, 1 = hidden. */
    mask: Uint8Array | null;
    undo: Uint8Array[];
    tool: 'brush' | 'rect' | 'eraser';
    brush: number;
    count: number;
    seed: number;
    /** A class-conditional model: the class the completions are drawn given, null for "any" (none). */
    drawClass: number | null;
    run: SampleRun;
    message: string | null;
  };
  finetune: {
    uploads: UploadItem[];
    /** 'stopping': Stop was pressed; the step in flight, the held-out evaluation and the save finish. */
    status: 'idle' | 'running' | 'paused' | 'stopping' | 'done' | 'stopped' | 'error';
    /** The name the fine-tuned model is saved under: a free one is suggested until the person types their own. */
    name: string;
    nameEdited: boolean;
    steps: number;
    batchSize: number;
    learningRate: number;
    step: number;
    loss: TrainPoint[];
    valBits: TrainPoint[];
    imagesPerSecond: number;
    etaSeconds: number;
    samples: { step: number; images: Uint8Array; count: number; config: ModelConfig } | null;
    savedKey: string | null;
    savedStep: number | null;
    /** The last step the NaN guard skipped, e.g. "step 12 skipped: non-finite update" (stays until the next run). */
    skipNote: string | null;
    message: string | null;
    error: string | null;
    /** The saved fine-tune of the selected model that "Continue" starts from (step, optimiser state), or null. */
    savedRun: SavedRun | null;
    /** The step the current run started from: 0, or the saved step of a continued fine-tune. */
    startStep: number;
  };
  /** Transient notes for the person (import/export results …). */
  notice: string | null;
  /** A question the person must answer before something is replaced (actions/confirm.ts). */
  confirm: Confirmation | null;
  /** The Compress tab: a picture, its .prnn file and surprise map, and a file decoded back. */
  compress: CompressState;
  /** The Receptive field tab: a picture, a sub-pixel, and its field under each architecture. */
  rfield: RFieldState;
}

export interface Confirmation {
  message: string;
  /** The answers, in order; the last is the safe one (Escape picks it). */
  choices: Array<{ id: string; label: string }>;
}

export function emptyRun(): SampleRun {
  return { status: 'idle', images: null, count: 0, config: null, modelId: null, done: 0, total: 0, drawn: 0, toDraw: 0, row: 0, col: 0, channel: 0, startedAt: 0, subPixelsPerSecond: 0, readbacks: null, logProb: null, seed: 0, temperature: 1, error: null };
}

export const initialState: AppState = {
  tab: 'sample',
  backend: { status: 'starting', env: null, sampling: null, urlProblem: null, error: null },
  trainerBackend: null,
  faults: [],
  registry: { status: 'loading', models: [], warnings: [] },
  dataset: 'emoji32',
  modelId: null,
  model: { status: 'idle', id: null, progress: 0, note: null, config: null, card: {}, params: 0, error: null },
  sampleSettings: { count: 8, seed: 1, temperature: 1, drawClass: null },
  sample: emptyRun(),
  inspect: null,
  inpaint: { source: null, sourceName: null, mask: null, undo: [], tool: 'brush', brush: 2, count: 4, seed: 1, drawClass: null, run: emptyRun(), message: null },
  finetune: {
    uploads: [],
    status: 'idle',
    name: 'my-model',
    nameEdited: false,
    steps: 200,
    batchSize: 8,
    learningRate: 0.001,
    step: 0,
    loss: [],
    valBits: [],
    imagesPerSecond: 0,
    etaSeconds: 0,
    samples: null,
    savedKey: null,
    savedStep: null,
    skipNote: null,
    message: null,
    error: null,
    savedRun: null,
    startStep: 0,
  },
  notice: null,
  confirm: null,
  compress: initialCompress,
  rfield: initialRField,
};
