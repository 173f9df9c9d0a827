import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, saveModel, toArtifacts } from '../../src/core/io/artifacts';
import { PixelModel } from '../../src/core/models/pixelModel';
import { fileHandler } from '../../scripts/lib/fileIO';
import { archs, randomImages, tinyConfig } from './helpers';

/** An in-memory tf.io handler: what IndexedDB or a download would store. */
function memory(): tf.io.IOHandler & { saved?: tf.io.ModelArtifacts } {
  const h: tf.io.IOHandler & { saved?: tf.io.ModelArtifacts } = {
    async save(a) {
      h.saved = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    },
    async load() {
      return h.saved!;
    },
  };
  return h;
}

describe('save and load', () => {
  for (const arch of archs)
    it(`${arch}: save → load gives identical logits, through files on disk`, async () => {
      const model = new PixelModel(tinyConfig(arch, 3, { seed: 21 }));
      const dir = await mkdtemp(join(tmpdir(), 'pixelrnn-'));
      await saveModel(model, fileHandler(dir), { note: 'test' });
      const { model: back, card } = await loadModel(fileHandler(dir));
      expect(card).toEqual({ note: 'test' });
      expect(back.config).toEqual(model.config);
      const x = randomImages(model.config, 2);
      const a = model.logits(x);
      const b = back.logits(x);
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([x, a, b]);
      model.dispose();
      back.dispose();
    });

  it('rejects weights that do not match the config, naming the weight', async () => {
    const small = new PixelModel(tinyConfig('pixelcnn', 1, { hidden: 4 }));
    const h = memory();
    await saveModel(small, h);
    const bigger = { ...(h.saved!.modelTopology as object), config: tinyConfig('pixelcnn', 1, { hidden: 8 }) };
    await expect(loadModel({ load: async () => ({ ...h.saved!, modelTopology: bigger }) }, 'mnist.json')).rejects.toThrow(
      /mnist\.json: weight "in\/w" has shape \[7,7,1,8\] float32, the config needs \[7,7,1,16\]/,
    );
    const rowConfig = { ...(h.saved!.modelTopology as object), config: tinyConfig('rowlstm', 1, { hidden: 4 }) };
    await expect(loadModel({ load: async () => ({ ...h.saved!, modelTopology: rowConfig }) })).rejects.toThrow(/missing for this rowlstm config/);
    small.dispose();
  });

  it('rejects a truncated weights file, a foreign model.json and NaN weights', async () => {
    const model = new PixelModel(tinyConfig('rowlstm', 1));
    const dir = await mkdtemp(join(tmpdir(), 'pixelrnn-'));
    await saveModel(model, fileHandler(dir));
    const bin = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 8));
    await expect(loadModel(fileHandler(dir))).rejects.toThrow(/bytes but its manifest describes .* \(truncated or corrupt\)/);

    await expect(loadModel({ load: async () => ({ modelTopology: { class_name: 'Sequential' } }) })).rejects.toThrow(/not a PixelRNN Lab model/);

    const art = await toArtifacts(model);
    const f = new Float32Array(art.weightData as ArrayBuffer);
    f[3] = NaN;
    await expect(loadModel({ load: async () => art })).rejects.toThrow(/NaN or Inf/);
    await expect(loadModel(fileHandler(join(dir, 'nope')))).rejects.toThrow(/Could not read/);
    model.dispose();
  });

  it('loading leaks no tensors, even when it fails', async () => {
    const model = new PixelModel(tinyConfig('diagonal', 3));
    const h = memory();
    await saveModel(model, h);
    const before = tf.memory().numTensors;
    const { model: back } = await loadModel(h);
    back.dispose();
    const bad = { ...h.saved!, modelTopology: { ...(h.saved!.modelTopology as object), config: tinyConfig('diagonal', 3, { layers: 1 }) } };
    await expect(loadModel({ load: async () => bad })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
