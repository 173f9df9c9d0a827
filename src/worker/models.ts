/**
 * Model loading, saving and file export/import for the workers: every ModelSource → a PixelModel, and the
 * IndexedDB store of fine-tuned models. Only routes to src/core/io.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel, fromArtifacts, loadModel, saveModel, toArtifacts, type ModelCard, type ModelConfig, type PixelModel } from '../core/index';
import type { ExportedModel, LocalModel, ModelSource } from './protocol';

const IDB = 'indexeddb://';

/** The IndexedDB handler of tfjs for a key (`indexeddb://<key>`). */
export function idb(key: string): tf.io.IOHandler {
  const handler = tf.io.getSaveHandlers(IDB + key)[0] ?? tf.io.getLoadHandlers(IDB + key)[0];
  if (!handler) throw new Error('IndexedDB is not available in this browser');
  return handler;
}

export function sourceKey(s: ModelSource): string {
  return s.kind === 'url' ? `url:${s.url}` : s.kind === 'indexeddb' ? `idb:${s.key}` : `config:${JSON.stringify(s.config)}`;
}

export async function openModel(source: ModelSource, onProgress?: (fraction: number) => void): Promise<{ model: PixelModel; card: ModelCard }> {
  switch (source.kind) {
    case 'url':
      return loadModel(tf.io.http(source.url, { onProgress }), source.url);
    case 'indexeddb':
      return loadModel(idb(source.key), `the saved model "${source.key}"`);
    case 'config':
      return { model: createModel(source.config), card: { untrained: true } };
  }
}

/** A model's files, read but not built (no backend needed yet): `config` sources have none. */
export async function readArtifacts(source: ModelSource, onProgress?: (fraction: number) => void): Promise<tf.io.ModelArtifacts | null> {
  if (source.kind === 'config') return null;
  const handler = source.kind === 'url' ? tf.io.http(source.url, { onProgress }) : idb(source.key);
  try {
    return await handler.load!();
  } catch (e) {
    throw new Error(`Could not read ${describe(source)}: ${(e as Error).message}`);
  }
}

/** The config a source's model has, read before building it (a calibration needs only the shape). */
export async function configOf(source: ModelSource, artifacts: tf.io.ModelArtifacts | null): Promise<ModelConfig> {
  if (source.kind === 'config' || !artifacts) return (source as { config: ModelConfig }).config;
  const config = (artifacts.modelTopology as { config?: ModelConfig } | undefined)?.config;
  if (config) return config;
  // Not a model of this app: fromArtifacts says exactly what is wrong.
  const { model } = await fromArtifacts(artifacts, describe(source));
  model.dispose();
  throw new Error(`${describe(source)} has no model config`);
}

/** Builds the model on the active backend. */
export async function build(source: ModelSource, artifacts: tf.io.ModelArtifacts | null): Promise<{ model: PixelModel; card: ModelCard }> {
  if (source.kind === 'config' || !artifacts) return { model: createModel((source as { config: ModelConfig }).config), card: { untrained: true } };
  return fromArtifacts(artifacts, describe(source));
}

function describe(source: ModelSource): string {
  return source.kind === 'url' ? source.url : source.kind === 'indexeddb' ? `the saved model "${source.key}"` : 'the model config';
}

export async function listLocal(): Promise<LocalModel[]> {
  const all = await tf.io.listModels();
  return Object.entries(all)
    .filter(([url]) => url.startsWith(IDB))
    .map(([url, info]) => ({
      key: url.slice(IDB.length),
      dateSaved: new Date(info.dateSaved).toISOString(),
      bytes: (info.weightDataBytes ?? 0) + (info.modelTopologyBytes ?? 0),
    }));
}

export async function deleteLocal(key: string): Promise<void> {
  await tf.io.removeModel(IDB + key);
  const state = trainStateKey(key);
  if (state !== key && IDB + state in (await tf.io.listModels())) await tf.io.removeModel(IDB + state);
}

/**
 * Where the training checkpoint of a fine-tuned model is kept (weights, optimiser state, step, images:
 * what "continue" needs): beside it, under a prefix the model list skips (`pixelrnn-train/…`).
 */
export function trainStateKey(modelKey: string): string {
  return modelKey.replace(/^pixelrnn\//, 'pixelrnn-train/');
}

export async function saveLocal(model: PixelModel, key: string, card: ModelCard): Promise<void> {
  await saveModel(model, idb(key), card);
}

/** model.json text + weights, in the layout `tf.io.browserFiles` and `tf.io.http` read back. */
export async function exportModel(source: ModelSource, name: string): Promise<ExportedModel> {
  let artifacts: tf.io.ModelArtifacts;
  if (source.kind === 'config') {
    const model = createModel(source.config);
    artifacts = await toArtifacts(model, { untrained: true });
    model.dispose();
  } else {
    const handler = source.kind === 'url' ? tf.io.http(source.url) : idb(source.key);
    artifacts = await handler.load!();
  }
  const weights = tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : artifacts.weightData ? [artifacts.weightData] : []);
  const json = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${name}.weights.bin`], weights: artifacts.weightSpecs ?? [] }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  return { json: JSON.stringify(json), weights };
}

/** Checks an uploaded model.json + weights file (throws with a clear message) and stores it under `key`. */
export async function importModel(jsonText: string, weights: ArrayBuffer, key: string): Promise<{ model: PixelModel; card: ModelCard }> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(jsonText) as tf.io.ModelJSON;
  } catch {
    throw new Error('The model file is not valid JSON (pick the model.json you exported)');
  }
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest))
    throw new Error('The model file has no weights manifest (pick the model.json you exported)');
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weights,
    userDefinedMetadata: json.userDefinedMetadata,
  };
  const { model, card } = await fromArtifacts(artifacts, 'the imported model');
  await saveLocal(model, key, card);
  return { model, card };
}
