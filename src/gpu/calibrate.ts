/**
 * Calibration: how fast each backend samples and trains a model of a given shape, measured here and now.
 * The measurements feed ./choice.ts; the page caches the result per device and model shape.
 *
 * Sampling: the cached sampler (the one the app runs) at the app's batch size, from the first pixel: one
 * pixel untimed (compiles the kernels on GPU backends), then timed steps until `budgetMs` has passed or
 * the first row is done.
 * Training: real steps of the training loop (forward, backward, Adam, the NaN guard's read-back) at the
 * fine-tune's batch size; on GPU backends one step untimed first (compilation). Before a later backend
 * runs a whole step, a forward pass of one image is timed: when 2 × batch × that already exceeds the best
 * step so far, the backend cannot win and is not stepped (the cpu backend's step would take ~10 s here).
 */
import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelConfig, type PixelModel } from '../core/index';
import { placeholderSmall } from '../core/models/multiScale';
import { warmUpSampler } from '../core/sampling/warmup';
import { drawsOnDevice, FRAME_MS, sample } from '../worker/sampler';
import { imagesSource, imagesToTensor, Trainer } from '../core/train/index';
import { useBackend } from './backend';
import { pick, type Plan } from './choice';
import { wasmFeatures } from './wasm';
import type { BackendChoice, BackendName, Environment, Job, Measurement } from './names';

const GPU: readonly BackendName[] = ['webgpu', 'webgl'];

export interface SamplingSpeed {
  subPixelsPerSec: number;
  steps: number;
  seconds: number;
  /** The untimed first pixel (kernel compilation on GPU backends). */
  warmupMs: number;
}

/** Cached sampling of `batch` images on the active backend: `budgetMs` of steps after one pixel. */
export async function measureSampling(model: PixelModel, o: { batch: number; budgetMs: number; maxSteps?: number }): Promise<SamplingSpeed> {
  const { width: W, height: H, channels: C } = model.config;
  const last = Math.min(H * W * C, C + (o.maxSteps ?? W * C));
  const stop = new AbortController();
  const t0 = performance.now();
  let tWarm = 0;
  let done = 0;
  // The sampler the app runs on this backend (device draw on WebGPU), so that the figures compare like with like.
  await sample(
    model,
    {
      count: o.batch,
      seed: 1,
      small: placeholderSmall(model.config, o.batch), // a conditional model is timed on blank small images
      signal: stop.signal,
      onStep: (p) => {
        done = p.done;
        const t = performance.now();
        if (p.done === C) tWarm = t;
        else if (p.done > C && (t - tWarm >= o.budgetMs || p.done >= last)) stop.abort();
      },
    },
    FRAME_MS,
  );
  const seconds = (performance.now() - tWarm) / 1000;
  const steps = done - C;
  return { subPixelsPerSec: steps > 0 ? (steps * o.batch) / seconds : 0, steps, seconds, warmupMs: tWarm - t0 };
}

export interface TrainingSpeed {
  imagesPerSec: number;
  steps: number;
  msPerStep: number;
}

/** Random images of the model's shape (0..255; binary models binarise them in the source). */
function randomImages(config: ModelConfig, count: number): Uint8Array {
  const n = count * config.height * config.width * config.channels;
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Milliseconds of one forward pass of one image (after one untimed pass on GPU backends). */
export async function forwardMs(model: PixelModel, warm: boolean): Promise<number> {
  const { height: H, width: W, channels: C } = model.config;
  const x = imagesToTensor(randomImages(model.config, 1), [H, W, C]); // [1,H,W,C]
  try {
    const once = async () => {
      const t0 = performance.now();
      const y = tf.tidy(() => tf.sum(model.logits(x)));
      await y.data();
      y.dispose();
      return performance.now() - t0;
    };
    if (warm) await once();
    return await once();
  } finally {
    x.dispose();
  }
}

/**
 * Training steps of the real loop (Adam) on random images, on the active backend, until `budgetMs` has
 * passed (at least `minSteps`). The model's weights change: pass a throw-away model.
 */
export async function measureTraining(model: PixelModel, o: { batch: number; budgetMs: number; minSteps?: number; warm: boolean }): Promise<TrainingSpeed> {
  const { height: H, width: W, channels: C, output } = model.config;
  const source = imagesSource(randomImages(model.config, o.batch), [H, W, C], { kind: output === 'binary' ? 'binary' : 'rgb', batchSize: o.batch, seed: 1 });
  const trainer = new Trainer(model, { train: source }, { optimizer: 'adam', lr: 1e-4 });
  try {
    if (o.warm) await trainer.step();
    let steps = 0;
    const t0 = performance.now();
    while (steps < (o.minSteps ?? 1) || performance.now() - t0 < o.budgetMs) {
      await trainer.step();
      steps++;
    }
    const ms = (performance.now() - t0) / steps;
    return { imagesPerSec: (1000 * o.batch) / ms, steps, msPerStep: ms };
  } finally {
    trainer.dispose();
  }
}

export interface CalibrateOptions {
  /** Images per sampling batch or per training step. */
  batch: number;
  /** Timed milliseconds per backend (default 400 for sampling, 1 step + this for training). */
  budgetMs?: number;
  /** Called as each backend is measured (for a progress line). */
  onProgress?: (m: Measurement) => void;
}

/**
 * Measures every backend of `plan.measure` for `job` on a throw-away model of `config` (random weights:
 * speed does not depend on them) and picks the fastest. Leaves the active backend as it found it.
 */
export async function calibrate(job: Job, config: ModelConfig, plan: Plan, env: Environment, o: CalibrateOptions): Promise<BackendChoice> {
  const before = tf.getBackend();
  const measured: Measurement[] = [];
  let bestStepMs = Infinity;
  for (const name of plan.measure) {
    let m: Measurement;
    try {
      await useBackend(name, env);
      const model = createModel(config);
      try {
        m = job === 'sampling' ? await sampleOne(name, model, o) : await trainOne(name, model, o, bestStepMs);
        if (name === 'wasm') m.note = `${(await wasmFeatures()).detail}; ${m.note}`;
      } finally {
        model.dispose();
      }
      if (job === 'training' && m.rate) bestStepMs = Math.min(bestStepMs, (1000 * o.batch) / m.rate);
    } catch (e) {
      m = { name, rate: null, note: `failed: ${(e as Error).message}` };
    }
    measured.push(m);
    o.onProgress?.(m);
  }
  if (before && tf.getBackend() !== before) await useBackend(before as BackendName, env).catch(() => undefined);
  return pick(job, plan, measured);
}

async function sampleOne(name: BackendName, model: PixelModel, o: CalibrateOptions): Promise<Measurement> {
  const r = await measureSampling(model, { batch: o.batch, budgetMs: o.budgetMs ?? 400 });
  return { name, rate: r.subPixelsPerSec, note: `${o.batch} images, ${r.steps} steps in ${(r.seconds * 1000).toFixed(0)} ms after ${r.warmupMs.toFixed(0)} ms of warm-up` };
}

async function trainOne(name: BackendName, model: PixelModel, o: CalibrateOptions, bestStepMs: number): Promise<Measurement> {
  const gpu = GPU.includes(name);
  if (Number.isFinite(bestStepMs)) {
    const fwd = await forwardMs(model, gpu);
    const bound = 2 * o.batch * fwd;
    if (bound > bestStepMs)
      return { name, rate: (1000 * o.batch) / bound, note: `at most this: one image's forward pass took ${fwd.toFixed(0)} ms, so a step of ${o.batch} would take over ${bound.toFixed(0)} ms` };
  }
  const r = await measureTraining(model, { batch: o.batch, budgetMs: o.budgetMs ?? 0, minSteps: 1, warm: gpu });
  return { name, rate: r.imagesPerSec, note: `batch ${o.batch}, ${r.steps} step${r.steps > 1 ? 's' : ''} of ${r.msPerStep.toFixed(0)} ms` };
}

/** Sampling at full speed from the first press: compiles the chosen GPU backend's kernels (no-op on CPU paths). */
export async function warmUp(model: PixelModel, batch: number): Promise<void> {
  if (GPU.includes(tf.getBackend() as BackendName)) await warmUpSampler(model, batch, drawsOnDevice() ? 'device' : 'cpu');
}
