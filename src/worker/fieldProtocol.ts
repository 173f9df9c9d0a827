/**
 * The receptive-field explorer's messages to the sampling worker (SamplerApi.receptiveField): one call computes
 * the field of one sub-pixel of one picture for several models (the explorer's panels), one after another,
 * with progress per panel. Pixels travel as uint8 [H,W,C]; fields as float32 [H,W,C].
 */
import type { ModelCard, ModelConfig } from '../core/index';
import type { ModelSource } from './protocol';

export interface FieldArgs {
  /** The models, one per panel, in the order they are computed. */
  panels: ModelSource[];
  /** The picture [H,W,C] in the models' value range (0/1 for binary models). */
  image: Uint8Array;
  height: number;
  width: number;
  channels: number;
  row: number;
  col: number;
  channel: number;
}

/** One panel's field. */
export interface FieldPanel {
  config: ModelConfig;
  card: ModelCard;
  /** |∂ log p(x_{row,col,channel}) / ∂ x| per sub-pixel [H·W·C]. */
  magnitude: Float32Array;
  /** log p of the sub-pixel's actual value, nats. */
  logProb: number;
  /** The gradient's time (the model's load not counted), ms. */
  ms: number;
  /** The backend it was computed on. */
  backend: string;
  /** tf.memory().numTensors before and after the computation: equal unless tensors leaked. */
  tensorsBefore: number;
  tensorsAfter: number;
}

export type FieldOutcome = { ok: true; panel: FieldPanel } | { ok: false; message: string };

/** Progress of one panel: loading its model (fraction of its weights read), computing, or finished. */
export type FieldEvent =
  | { panel: number; phase: 'load'; fraction: number }
  | { panel: number; phase: 'gradient' }
  | { panel: number; phase: 'done'; outcome: FieldOutcome };

export interface FieldDone {
  outcomes: FieldOutcome[];
  /** The call was cancelled: panels after the last finished one were not computed. */
  stopped: boolean;
}
