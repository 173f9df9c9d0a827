/**
 * Model loading, saving and file export/import for the workers: every ModelSource → a PixelModel, and the
 * IndexedDB store of fine-tuned models. Only routes to src/core/io.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel, fromArtifacts, loadModel, saveModel, toArtifacts, type ModelCard, type PixelModel } from '../core/index';
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
