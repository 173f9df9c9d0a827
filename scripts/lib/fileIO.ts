import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checksumHex } from '../../src/core/data/checksum';

export interface FileHandlerOptions {
  /**
   * Name the weights file after its content (`weights-<fnv1a>.bin`) instead of `weights.bin`. With it a save
   * is atomic: the new weights go to a new file, model.json (which names them) is replaced by a rename, and
   * only then are the old weights removed, so a kill at any point leaves the old model.json with its own
   * weights or the new one with its own. Checkpoints use it; a folder served to the browser or copied by
   * scripts/ship.ts keeps the plain name (each file is still written to a temporary file and renamed).
   */
  versionedWeights?: boolean;
}

/**
 * Test hook (fault injection): PIXELRNN_CRASH_AT=<point> makes the PIXELRNN_CRASH_SAVE-th save (default
 * 1st) of this process exit at once at that point, as a kill would: 'weights-written' (temporary weights file
 * complete), 'weights-renamed', 'json-written', 'json-renamed'. test/train/crash.test.ts kills the trainer
 * at each point and resumes.
 */
let saves = 0;
function crashPoint(point: string): void {
  if (process.env.PIXELRNN_CRASH_AT === point && saves === Number(process.env.PIXELRNN_CRASH_SAVE ?? 1)) process.exit(137);
}

async function writeThenRename(file: string, bytes: Uint8Array | string, point: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  crashPoint(`${point}-written`);
  await fs.rename(tmp, file);
  crashPoint(`${point}-renamed`);
}

/**
 * A tf.io handler for a folder in Node: model.json plus one weights file, the same layout tfjs writes
 * and `tf.io.http` reads, so a folder saved here can be served to the browser as it is.
 */
export function fileHandler(dir: string, options: FileHandlerOptions = {}): tf.io.IOHandler {
  return {
    async save(artifacts) {
      saves++;
      await fs.mkdir(dir, { recursive: true });
      const data = new Uint8Array(
        tf.io.concatenateArrayBuffers(
          Array.isArray(artifacts.weightData) ? artifacts.weightData : artifacts.weightData ? [artifacts.weightData] : [],
        ),
      );
      const weightsName = options.versionedWeights ? `weights-${checksumHex(data)}.bin` : 'weights.bin';
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      // 1) the weights, 2) model.json that names them, 3) (versioned) the weights no model.json names any more
      await writeThenRename(path.join(dir, weightsName), data, 'weights');
      await writeThenRename(path.join(dir, 'model.json'), JSON.stringify(json, null, 1), 'json');
      if (options.versionedWeights)
        for (const f of await fs.readdir(dir))
          if (/^weights-[0-9a-f]{8}\.bin$/.test(f) && f !== weightsName) await fs.rm(path.join(dir, f), { force: true });
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
