/**
 * The typed APIs of the two workers. Pixels always travel as uint8 [B,H,W,C] (HWC, raster order), the
 * same layout src/core uses; shapes travel with them.
 */
import type { ModelCard, ModelConfig } from '../core/index';
import type { Decoded, InputShape } from '../canvas/decodeImage';
import type { BackendChoice, BackendName, Environment } from '../gpu/names';
import type { FieldArgs, FieldDone, FieldEvent } from './fieldProtocol';
import type { Method } from './rpc';

/** Where a model comes from. */
export type ModelSource =
  | { kind: 'url'; url: string }
  | { kind: 'indexeddb'; key: string }
  /** Untrained weights from a config (fine-tuning from scratch, or no shipped model yet). */
  | { kind: 'config'; config: ModelConfig };

export interface LoadedModel {
  config: ModelConfig;
  card: ModelCard;
  params: number;
  /** The backend sampling runs on for this model, and why. */
  backend: BackendChoice;
  /** The model shape the choice is cached under (with the device key). */
  shapeKey: string;
  /** A Multi-Scale PixelRNN: the unconditional small half (the model above is the conditional large half). */
  small?: Pick<LoadedModel, 'config' | 'card' | 'params'>;
}

export interface LoadProgress {
  /** 0..1 of the weights downloaded. */
  fraction: number;
  phase: 'download' | 'calibrate' | 'warm-up';
  /** What is being done, e.g. the backend just measured and its figure. */
  message?: string;
}

/** How the worker picks its backend for a model: `?backend=` or the page's cached calibrations. */
export interface BackendRequest {
  forced: BackendName | null;
  /** Earlier choices for this device, by model shape key (the page keeps them in localStorage). */
  known: Record<string, BackendChoice>;
}

export interface LoadArgs extends BackendRequest {
  source: ModelSource;
  /**
   * A Multi-Scale PixelRNN (SPEC.md §3): `source` is its conditional large half and this its unconditional small
   * half. Sampling then draws the small images first, then the large ones given them (both on one backend).
   */
  small?: ModelSource;
  /** Images per sampling batch: calibration and warm-up use it. */
  batch: number;
}

export interface SampleArgs {
  count: number;
  seed: number;
  temperature: number;
  /** Inpainting: [H,W,C] values and mask (1 = known), shared by every image. */
  known?: { image: Uint8Array; mask: Uint8Array };
  /** A class-conditional model: the class every image is drawn given (absent or null: none, "any"). */
  drawClass?: number | null;
}

/** A live view of the images while sampling (sent at most every few tens of milliseconds). */
export interface SampleFrame {
  images: Uint8Array;
  done: number;
  total: number;
  row: number;
  col: number;
  channel: number;
  /**
   * Multi-scale pairs only. 'small': the first stage; `images` is the small images drawn so far enlarged to the
   * large size, `small` the small images themselves, done/total/row/col count in the small image. 'large': the
   * second stage; `images` is the large images drawn so far over the enlarged small ones (where not yet drawn).
   */
  stage?: 'small' | 'large';
  small?: Uint8Array;
}

export interface SampleDone {
  images: Uint8Array;
  logProb: Float64Array;
  stopped: boolean;
  /** Sub-pixel steps done and the wall time they took, for the sub-pixels/s read-out. */
  steps: number;
  ms: number;
  /** Device → CPU reads of the whole batch, when the sampler draws on the device (WebGPU); else absent. */
  readbacks?: number;
  /** Multi-scale pairs: the small images [B,s,s,C] the large ones were drawn given (all of them, even if stopped). */
  small?: Uint8Array;
}

export interface InspectArgs {
  /** One image [H,W,C]. */
  image: Uint8Array;
  row: number;
  col: number;
  temperature: number;
  /** A class-conditional model: the class the image was drawn given (absent or null: none). */
  drawClass?: number | null;
  /**
   * Multi-scale pairs: 'small' asks the small model about `image` (a small image); 'large' (the default) asks
   * the large model, given `small`, the small image [s,s,C] it was drawn given.
   */
  stage?: 'small' | 'large';
  small?: Uint8Array;
}

/** For each channel (R, G, B or the single grey/binary one), the distribution it was drawn from. */
export interface InspectResult {
  /** channels × K probabilities (K = 256, or 2 for binary models), each summing to 1. */
  probs: Float64Array[];
  /** The values the image has at that pixel. */
  values: number[];
}

/** A model saved in this browser's IndexedDB. */
export interface LocalModel {
  key: string;
  dateSaved: string;
  bytes: number;
}

export interface ExportedModel {
  /** model.json text (weights referenced as `<name>.weights.bin`). */
  json: string;
  weights: ArrayBuffer;
}

export type SamplerApi = {
  /** Probes the backends this browser offers (starts the default one, for models saved or imported before a load). */
  init: Method<{ forced: BackendName | null }, Environment>;
  /** Downloads a model, chooses its backend (forced, cached or calibrated), builds it there and warms up the sampler. */
  load: Method<LoadArgs, LoadedModel, LoadProgress>;
  sample: Method<SampleArgs, SampleDone, SampleFrame>;
  inspect: Method<InspectArgs, InspectResult>;
  /** The receptive-field explorer: one sub-pixel's field under several models, panel by panel (./fieldProtocol.ts). */
  receptiveField: Method<FieldArgs, FieldDone, FieldEvent>;
  listLocal: Method<Record<string, never>, LocalModel[]>;
  deleteLocal: Method<{ key: string }, void>;
  exportModel: Method<{ source: ModelSource; name: string }, ExportedModel>;
  /** Reads model.json + weights (from files), checks them, and stores them in IndexedDB under `key`. */
  importModel: Method<{ json: string; weights: ArrayBuffer; key: string }, Pick<LoadedModel, 'config' | 'card' | 'params'>>;
  debug: Method<{ what: 'crash' | 'loseDevice' }, void>;
};

export interface TrainArgs {
  source: ModelSource;
  /** IndexedDB key the fine-tuned model is saved under as it trains. */
  saveKey: string;
  /** Card fields to store with the fine-tuned model (name, base model, dataset …). */
  card: ModelCard;
  /** uint8 [N,H,W,C] in the model's value range (0/1 for binary models); every 5th is held out. */
  images: Uint8Array;
  count: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Fresh samples every this many steps (0: never). */
  sampleEvery: number;
  seed: number;
  backend: BackendRequest;
  /**
   * Train on the first `count` images of a built-in dataset's training split instead of `images` (the
   * manifest.json of the dataset is at `url`): grey 0..255 for binary models, binarised afresh every batch.
   */
  builtIn?: { url: string; count: number };
}

/** A model size to train from scratch, with what it costs. */
export interface ScratchOption {
  size: 'tiny' | 'small' | 'medium';
  config: ModelConfig;
  params: number;
  /** Training FLOPs per image (forward and backward). */
  flopsPerImage: number;
}

/** Continues a fine-tune saved in this browser (its checkpoint under `trainStateKey(saveKey)`). */
export interface ContinueArgs {
  /** IndexedDB key of the fine-tuned model; its checkpoint is read and both are saved again as it trains. */
  saveKey: string;
  /** Steps to add to the saved step count. */
  steps: number;
  sampleEvery: number;
  backend: BackendRequest;
}

/** What a saved fine-tune can continue from. */
export interface SavedRun {
  step: number;
  optimizer: string;
  /** Optimiser updates so far (Adam's t): the state that carries on. */
  optimizerUpdates: number;
  /** Uploads saved with it (held-out ones included). */
  images: number;
  batchSize: number;
  learningRate: number;
}

export type TrainEvent =
  /** A saved fine-tune was restored: training goes on from this step with this optimiser state. */
  | { type: 'resumed'; step: number; optimizerUpdates: number }
  /** The backend training runs on (sent before the first step; `choice.how` says whether it was measured just now). */
  | { type: 'backend'; choice: BackendChoice; shapeKey: string }
  /** Stop took effect: no step runs after this one (the held-out evaluation and the save follow). */
  | { type: 'stopped'; step: number }
  | { type: 'step'; step: number; loss: number; bitsPerDim: number; imagesPerSecond: number; etaSeconds: number }
  /** The NaN guard skipped this step: weights and optimiser state stay those of the last good step. */
  | { type: 'skip'; step: number; reason: string; consecutive: number }
  /** Held-out bits/dim. */
  | { type: 'eval'; step: number; bitsPerDim: number }
  /** Training is paused after this step (sent once the step in flight has finished). */
  | { type: 'paused'; step: number }
  | { type: 'samples'; step: number; images: Uint8Array; count: number }
  | { type: 'saved'; step: number; key: string }
  | { type: 'status'; message: string };

export interface TrainDone {
  steps: number;
  stopped: boolean;
  key: string;
  finalBitsPerDim: number | null;
}

export type TrainerApi = {
  init: Method<Record<string, never>, Environment>;
  train: Method<TrainArgs, TrainDone, TrainEvent>;
  /** Continues a fine-tune saved in this browser, from its step and optimiser state. */
  continueTraining: Method<ContinueArgs, TrainDone, TrainEvent>;
  /** The saved fine-tune of a model key that `continueTraining` can continue, or null. */
  savedRun: Method<{ key: string }, SavedRun | null>;
  /** The sizes a model of this dataset and architecture can be trained from scratch at, with their parameter counts. */
  scratchOptions: Method<{ dataset: 'mnist' | 'emoji32'; arch: ModelConfig['arch'] }, ScratchOption[]>;
  /** Pauses or resumes the running training (the call of `train` stays open while paused). */
  control: Method<{ action: 'pause' | 'resume' }, void>;
  debug: Method<{ what: 'crash' | 'loseDevice' }, void>;
};

/** The decoding worker: an uploaded file → the model's input, or why it cannot be used. */
export type DecoderApi = {
  decode: Method<{ file: Blob; name: string; shape: InputShape }, Decoded>;
};
