/**
 * The TypeScript side of the PyTorch equality tests (train/tests/test_equality.py): for each job, a model
 * (loaded from a folder, or made fresh from a config and its seed, then optionally saved) and its logits on
 * the given images, written as raw float32 in the TypeScript layout ([B,H,W,C,256] or [B,H,W,C]).
 *
 *   tsx scripts/logits.ts JOBS.json
 *
 * JOBS.json: [{ "model": DIR } | { "config": ModelConfig, "save": DIR }, plus optionally
 *              "images": X.u8, "small": S.u8, "count": B, "out": L.f32 ]
 * Images are raw uint8 [B,H,W,C] of the model's shape (the small images [B,s,s,C] for a conditional model).
 * "labels": [y0, …] (class-conditional models: each image's class, K = none; absent: none for all).
 * "subsampled": S.u8 (conditional models) writes TypeScript's small image of the images (`subsample`, the box
 * mean) as uint8 [B,s,s,C], for the test that PyTorch's box_downsample is the same.
 * One process for all jobs: tfjs starts once.
 */
import * as fs from 'node:fs/promises';
import { setupNodeBackend } from './lib/nodeBackend';

interface Job {
  model?: string;
  config?: import('../src/core/models/config').ModelConfig;
  save?: string;
  images?: string;
  small?: string;
  count?: number;
  out?: string;
  subsampled?: string;
  labels?: number[];
}

const jobsPath = process.argv[2];
if (!jobsPath) throw new Error('usage: tsx scripts/logits.ts JOBS.json');
const jobs = JSON.parse(await fs.readFile(jobsPath, 'utf8')) as Job[];

await setupNodeBackend(process.env.TFJS_BACKEND ?? 'cpu');
const tf = await import('@tensorflow/tfjs');
const { PixelModel } = await import('../src/core/models/pixelModel');
const { loadModel, saveModel } = await import('../src/core/io/artifacts');
const { subsample } = await import('../src/core/models/multiScale');
const { classLabels } = await import('../src/core/models/pixelModel');
const { fileHandler } = await import('./lib/fileIO');

for (const job of jobs) {
  const model = job.config ? new PixelModel(job.config) : (await loadModel(fileHandler(job.model!), job.model)).model;
  if (job.save) await saveModel(model, fileHandler(job.save), { note: 'random weights from scripts/logits.ts' });
  if (job.images && job.out) {
    const { height: H, width: W, channels: C, condition } = model.config;
    const b = job.count!;
    const x = tf.tensor4d(new Uint8Array(await fs.readFile(job.images)), [b, H, W, C], 'int32').toFloat();
    const small =
      condition && job.small
        ? tf.tensor4d(new Uint8Array(await fs.readFile(job.small)), [b, condition.smallHeight, condition.smallWidth, C], 'int32').toFloat()
        : undefined;
    const labels = job.labels ? classLabels(model.config, b, job.labels) : undefined;
    const y = model.logits(x, small, labels);
    labels?.dispose();
    const data = (await y.data()) as Float32Array;
    await fs.writeFile(job.out, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (condition && job.subsampled) {
      const s = subsample(x, H / condition.smallHeight);
      await fs.writeFile(job.subsampled, Uint8Array.from(await s.data()));
      s.dispose();
    }
    tf.dispose([x, y, ...(small ? [small] : [])]);
  }
  model.dispose();
}
