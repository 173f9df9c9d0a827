import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../models/config';
import { PixelModel } from '../models/pixelModel';
import { parseCard, type ModelCard } from './card';
import { FORMAT, type SavedTopology } from './topology';

/**
 * Models are saved as standard tfjs ModelArtifacts: model.json (the config as `modelTopology`, a weight
 * manifest) plus binary weights. Any tf.io handler stores them: IndexedDB and downloads in the browser,
 * http(s) URLs for loading, files in Node (scripts/lib/fileIO.ts).
 */

export { FORMAT, type SavedTopology } from './topology';

export type { ModelCard } from './card';

export async function toArtifacts(model: PixelModel, card: ModelCard = {}): Promise<tf.io.ModelArtifacts> {
  const named = [...model.params.vars].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const topology: SavedTopology = { format: FORMAT, config: model.config };
  return {
    modelTopology: topology as unknown as tf.io.ModelArtifacts['modelTopology'],
    format: FORMAT,
    generatedBy: 'PixelRNN Lab',
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { card } as unknown as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

export async function saveModel(model: PixelModel, handler: tf.io.IOHandler, card?: ModelCard): Promise<tf.io.SaveResult> {
  if (!handler.save) throw new Error('This storage cannot save models');
  return handler.save(await toArtifacts(model, card));
}

/**
 * Builds a model from artifacts and checks that the weights match its config: every parameter present
 * with the right shape and dtype, nothing extra. Any mismatch throws an Error saying what is wrong.
 */
export async function fromArtifacts(artifacts: tf.io.ModelArtifacts, source = 'the saved model'): Promise<{ model: PixelModel; card: ModelCard }> {
  const topo = artifacts.modelTopology as unknown as Partial<SavedTopology> | undefined;
  if (!topo || typeof topo !== 'object' || topo.format !== FORMAT || !topo.config)
    throw new Error(`${source} is not a PixelRNN Lab model (model.json has no "${FORMAT}" topology)`);
  try {
    validateConfig(topo.config);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  // A malformed card is refused before any weight is allocated, with the field it gets wrong.
  const card = parseCard((artifacts.userDefinedMetadata as { card?: unknown } | undefined)?.card, source);
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new Error(`${source} has no weights`);
  const data = tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
  const expectedBytes = artifacts.weightSpecs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (data.byteLength !== expectedBytes)
    throw new Error(`${source}: the weights file has ${data.byteLength} bytes but its manifest describes ${expectedBytes} (truncated or corrupt)`);
  const model = new PixelModel(topo.config);
  try {
    const specs = new Map(artifacts.weightSpecs.map((s) => [s.name, s]));
    for (const [name, v] of model.params.vars) {
      const s = specs.get(name);
      if (!s) throw new Error(`${source}: weight "${name}" is missing for this ${topo.config.arch} config`);
      if (s.dtype !== 'float32' || s.shape.join('x') !== v.shape.join('x'))
        throw new Error(`${source}: weight "${name}" has shape [${s.shape.join(',')}] ${s.dtype}, the config needs [${v.shape.join(',')}] float32`);
    }
    const extra = [...specs.keys()].filter((n) => !model.params.vars.has(n));
    if (extra.length) throw new Error(`${source}: weights not in this config: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ' …' : ''}`);
    const decoded = tf.io.decodeWeights(data, artifacts.weightSpecs);
    for (const [name, v] of model.params.vars) {
      const t = decoded[name]!;
      v.assign(t);
    }
    for (const t of Object.values(decoded)) t.dispose();
    // A NaN or Inf weight would silently poison every sample: refuse it here.
    const bad = tf.tidy(() => tf.stack(model.params.list().map((v) => tf.logicalNot(tf.isFinite(v)).any())).any());
    const anyBad = (await bad.data())[0];
    bad.dispose();
    if (anyBad) throw new Error(`${source}: weights contain NaN or Inf`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, card };
}

export async function loadModel(handler: tf.io.IOHandler, source?: string): Promise<{ model: PixelModel; card: ModelCard }> {
  if (!handler.load) throw new Error('This storage cannot load models');
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (e) {
    throw new Error(`Could not read ${source ?? 'the saved model'}: ${(e as Error).message}`);
  }
  return await fromArtifacts(artifacts, source);
}
