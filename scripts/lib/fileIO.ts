import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * A tf.io handler for a folder in Node: model.json plus one weights file, the same layout tfjs writes
 * and `tf.io.http` reads, so a folder saved here can be served to the browser as it is.
 */
export function fileHandler(dir: string, weightsName = 'weights.bin'): tf.io.IOHandler {
  return {
    async save(artifacts) {
      await fs.mkdir(dir, { recursive: true });
      const data = tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : artifacts.weightData ? [artifacts.weightData] : [],
      );
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      await fs.writeFile(path.join(dir, weightsName), new Uint8Array(data));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load() {
      const jsonPath = path.join(dir, 'model.json');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`${jsonPath}: ${(e as Error).message}`);
      }
      const manifest = json.weightsManifest ?? [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest)
        for (const p of group.paths) {
          const bytes = await fs.readFile(path.join(dir, p));
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: tf.io.concatenateArrayBuffers(buffers),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}
