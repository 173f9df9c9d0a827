/**
 * The bench page's `backends` suite (bench.html?suite=backends), run in ./backends.worker.ts: for each
 * backend this browser offers, the app's sampling speed (cached sampler, sub-pixels/s) and training speed
 * (real steps of the training loop, images/s) on a shipped model, with a tensor-leak check.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type PixelModel } from '../core/index';
import { isBackendName, probeAll, useBackend, type BackendName } from '../gpu/backend';
import { measureSampling, measureTraining } from '../gpu/calibrate';
import { BACKENDS } from '../gpu/names';

export type BenchMessage = { kind: 'log'; line: string } | { kind: 'done'; result: object } | { kind: 'error'; message: string };

/** A model of models/index.json by id, from the models folder at `base`. */
export async function benchModel(id: string, base: string): Promise<PixelModel> {
  const index = (await (await fetch(new URL('index.json', base))).json()) as { models: { id: string; path: string }[] };
  const entry = index.models.find((m) => m.id === id);
  if (!entry) throw new Error(`No model "${id}" in models/index.json`);
  return (await loadModel(tf.io.http(new URL(entry.path, base).href), entry.path)).model;
}

export interface BackendRow {
  backend: BackendName;
  detail: string;
  software: boolean;
  /** Cached sampling of `batch` images. */
  subPixelsPerSec: number | null;
  sampleSteps: number;
  sampleWarmupMs: number;
  /** Real training steps (Adam) at `trainBatch`. */
  imagesPerSec: number | null;
  trainSteps: number;
  msPerStep: number | null;
  error?: string;
}

export async function runBackends(search: string, log: (line: string) => void, modelsBase: string): Promise<object> {
  const params = new URLSearchParams(search);
  const num = (k: string, d: number) => {
    const v = Number(params.get(k) ?? d);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`?${k}= must be a positive number, got "${params.get(k)}"`);
    return v;
  };
  const env = await probeAll();
  log(`cross-origin isolated: ${env.isolated}`);
  const wanted = params.get('backends')?.split(',') ?? env.probes.filter((p) => p.available).map((p) => p.name);
  for (const w of wanted) if (!isBackendName(w)) throw new Error(`Unknown backend "${w}" in ?backends=: use ${BACKENDS.join(', ')}`);
  const id = params.get('model') ?? 'emoji32-pixelcnn';
  const batch = num('batch', 8);
  const sampleSteps = num('sampleSteps', 96);
  const trainBatch = num('trainBatch', 8);
  const trainSteps = num('trainSteps', 2);
  // Training is measured on these (default: all): a software GPU's training step takes minutes.
  const trainOn = params.get('trainBackends')?.split(',') ?? wanted;
  const rows: BackendRow[] = [];
  for (const name of wanted as BackendName[]) {
    const probe = env.probes.find((p) => p.name === name)!;
    const row: BackendRow = { backend: name, detail: probe.detail, software: probe.software, subPixelsPerSec: null, sampleSteps: 0, sampleWarmupMs: 0, imagesPerSec: null, trainSteps: 0, msPerStep: null };
    rows.push(row);
    if (!probe.available) {
      row.error = probe.detail;
      log(`${name}: unavailable (${probe.detail})`);
      continue;
    }
    try {
      await useBackend(name, env);
      // The wasm detail (threads) is only known once it runs.
      if (name === 'wasm') row.detail = (await probeAll()).probes.find((p) => p.name === 'wasm')!.detail;
      const model = await benchModel(id, modelsBase);
      try {
        const before = tf.memory().numTensors;
        const s = await measureSampling(model, { batch, budgetMs: Infinity, maxSteps: sampleSteps });
        Object.assign(row, { subPixelsPerSec: s.subPixelsPerSec, sampleSteps: s.steps, sampleWarmupMs: s.warmupMs });
        log(`${name} (${row.detail}): sampling ${s.subPixelsPerSec.toFixed(0)} sub-px/s (${batch} images, ${s.steps} steps after ${s.warmupMs.toFixed(0)} ms warm-up)`);
        const gpu = name === 'webgpu' || name === 'webgl';
        if (trainOn.includes(name)) {
          const t = await measureTraining(model, { batch: trainBatch, budgetMs: 0, minSteps: trainSteps, warm: gpu });
          Object.assign(row, { imagesPerSec: t.imagesPerSec, trainSteps: t.steps, msPerStep: t.msPerStep });
          log(`${name}: training ${t.imagesPerSec.toFixed(2)} images/s (batch ${trainBatch}, ${t.steps} steps of ${t.msPerStep.toFixed(0)} ms)`);
        } else log(`${name}: training not measured (not in ?trainBackends=)`);
        if (tf.memory().numTensors !== before) throw new Error(`leaked ${tf.memory().numTensors - before} tensors`);
      } finally {
        model.dispose();
      }
    } catch (e) {
      row.error = (e as Error).message;
      log(`${name}: error: ${row.error}`);
    }
  }
  return { suite: 'backends', model: id, isolated: env.isolated, cores: navigator.hardwareConcurrency, batch, trainBatch, rows };
}

