import * as tf from '@tensorflow/tfjs';
import { toArtifacts, type ModelCard } from '../io/artifacts';
import type { PixelModel } from '../models/pixelModel';
import type { EvalEvent } from './events';
import type { ResolvedOptions } from './options';

/**
 * Checkpoint I/O of the Trainer. A checkpoint is tfjs ModelArtifacts: the model (config, weights) followed
 * by the optimiser slots as weights named "opt/<slot>/<param>", with the trainer state and the card in
 * userDefinedMetadata. Any tf.io handler stores it (IndexedDB, files via scripts/lib/fileIO.ts);
 * `Trainer.restore` reads it back.
 */

export const CHECKPOINT_FORMAT = 'pixelrnn-lab/checkpoint@1';
const OPT_PREFIX = 'opt/';

/** What a checkpoint keeps besides the weights (userDefinedMetadata.trainer). */
export interface TrainerState {
  format: typeof CHECKPOINT_FORMAT;
  step: number;
  skippedSteps: number;
  optimizerUpdates: number;
  options: ResolvedOptions;
  /** The training source's state(): where the data order resumes. */
  data: unknown;
  batchSize: number;
  elapsedSec: number;
  lastEval: EvalEvent | null;
}

/** The parts of a trainer a checkpoint is made of. */
export interface Checkpointable {
  readonly model: PixelModel;
  readonly optimizer: { readonly slots: Map<string, tf.Variable> };
  state(): TrainerState;
}

/** The checkpoint of a trainer now. */
export async function makeCheckpoint(trainer: Checkpointable, card: ModelCard = {}): Promise<tf.io.ModelArtifacts> {
  const model = await toArtifacts(trainer.model, card);
  const named = [...trainer.optimizer.slots].map(([name, tensor]) => ({ name: OPT_PREFIX + name, tensor }));
  const opt = await tf.io.encodeWeights(named);
  const modelData = model.weightData as ArrayBuffer;
  return {
    ...model,
    format: CHECKPOINT_FORMAT,
    weightSpecs: [...model.weightSpecs!, ...opt.specs],
    weightData: tf.io.concatenateArrayBuffers([modelData, opt.data as ArrayBuffer]),
    userDefinedMetadata: { card, trainer: trainer.state() } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

/** The trainer state a checkpoint keeps; throws if the artifacts are not a training checkpoint. */
export function trainerStateOf(checkpoint: tf.io.ModelArtifacts): TrainerState {
  const state = (checkpoint.userDefinedMetadata as { trainer?: TrainerState } | undefined)?.trainer;
  if (!state || state.format !== CHECKPOINT_FORMAT) throw new Error(`Not a training checkpoint (no "${CHECKPOINT_FORMAT}" trainer state)`);
  return state;
}

/** The model's weights (as model artifacts with the card) and the optimiser's (as a weight set). */
export function splitCheckpoint(ck: tf.io.ModelArtifacts): { model: tf.io.ModelArtifacts; opt: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } } {
  if (!ck.weightSpecs || !ck.weightData) throw new Error('The checkpoint has no weights');
  const data = tf.io.concatenateArrayBuffers(Array.isArray(ck.weightData) ? ck.weightData : [ck.weightData]);
  const modelSpecs: tf.io.WeightsManifestEntry[] = [];
  const optSpecs: tf.io.WeightsManifestEntry[] = [];
  const modelParts: ArrayBuffer[] = [];
  const optParts: ArrayBuffer[] = [];
  let offset = 0;
  for (const s of ck.weightSpecs) {
    if (s.dtype !== 'float32' || s.quantization) throw new Error(`Checkpoint weight "${s.name}" is not plain float32`);
    const bytes = s.shape.reduce((a, b) => a * b, 1) * 4;
    if (offset + bytes > data.byteLength) throw new Error('The checkpoint weights are truncated');
    const part = data.slice(offset, offset + bytes);
    offset += bytes;
    if (s.name.startsWith(OPT_PREFIX)) {
      optSpecs.push(s);
      optParts.push(part);
    } else {
      modelSpecs.push(s);
      modelParts.push(part);
    }
  }
  const { userDefinedMetadata, ...rest } = ck;
  const card = (userDefinedMetadata as { card?: ModelCard } | undefined)?.card ?? {};
  return {
    model: { ...rest, weightSpecs: modelSpecs, weightData: tf.io.concatenateArrayBuffers(modelParts), userDefinedMetadata: { card } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'] },
    opt: { specs: optSpecs, data: tf.io.concatenateArrayBuffers(optParts) },
  };
}

/** Writes the optimiser state of a checkpoint into `slots` (same names and shapes, else it throws). */
export function restoreSlots(opt: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }, slots: Map<string, tf.Variable>): void {
  const decoded = tf.io.decodeWeights(opt.data, opt.specs);
  try {
    for (const [name, v] of slots) {
      const t = decoded[OPT_PREFIX + name];
      if (!t) throw new Error(`The checkpoint has no optimiser state "${name}"`);
      if (t.shape.join('x') !== v.shape.join('x')) throw new Error(`Optimiser state "${name}" has shape [${t.shape.join(',')}], expected [${v.shape.join(',')}]`);
      v.assign(t);
    }
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/** Saves a checkpoint through any tf.io handler. */
export async function saveCheckpoint(trainer: Checkpointable, handler: tf.io.IOHandler, card?: ModelCard): Promise<void> {
  if (!handler.save) throw new Error('This storage cannot save');
  await handler.save(await makeCheckpoint(trainer, card));
}

/** Loads checkpoint artifacts through any tf.io handler (pass them to Trainer.restore). */
export async function loadCheckpoint(handler: tf.io.IOHandler): Promise<tf.io.ModelArtifacts> {
  if (!handler.load) throw new Error('This storage cannot load');
  return handler.load();
}
