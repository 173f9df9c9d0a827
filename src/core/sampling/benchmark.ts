import * as tf from '@tensorflow/tfjs';
import { dims } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { sampleCached } from './cached';
import { sampleCachedOnDevice, sampleNaiveOnDevice } from './device';
import { sampleNaive } from './naive';
import { placeholderSmall } from '../models/multiScale';
import type { DeviceSampleOptions, Readback, SampleOptions, SampleResult } from './types';

/**
 * Naive against cached sampling on the same weights, seed and batch: the measurement behind
 * `npm run bench:sample` in Node and the browser's bench page (bench.html), so both report the same figures.
 */

export interface SamplingBenchOptions {
  batch: number;
  seed: number;
  /** Naive sub-pixel steps to time; every naive step is the same full forward pass, so the rate extrapolates. */
  naiveSteps: number;
  /** Cached steps to time: a number, or 'all' for the whole image. */
  cachedSteps: number | 'all';
  /** Called before each sampler's runs, e.g. to choose a backend setting for it. */
  before?: (sampler: 'naive' | 'cached') => void;
  /** Also time the cached sampler drawing on the device (device.ts), with these read-backs (default per-row). */
  device?: boolean;
  readback?: Readback;
}

export interface SamplingBenchRow {
  arch: string;
  shape: string;
  batch: number;
  naiveSteps: number;
  naiveSeconds: number;
  naiveSubpixelsPerSec: number;
  naiveImageSecondsExtrapolated: number;
  cachedSteps: number;
  cachedSeconds: number;
  cachedSubpixelsPerSec: number;
  cachedImageSeconds: number;
  speedup: number;
  /** The cached run drew the same values as the naive one on every sub-pixel both drew. */
  agree: boolean;
  comparedSubpixels: number;
  /** Image height: the target for `readbacksPerImage` on WebGPU is at most this. */
  height?: number;
  /**
   * Device → CPU reads (every Tensor.data/dataSync, counted at tfjs's engine) per image of the sampler the
   * app uses with the device draw: the cached sampler on the device. "Per image" is per pass over the raster,
   * which draws the whole batch at once. Extrapolated when fewer steps than a whole image were timed.
   */
  readbacksPerImage?: number;
  /** The same for each sampler: naive and cached with the CPU draw (one read per sub-pixel), and on the device. */
  readbacksPerImageBySampler?: { naive: number; cached: number; device?: number };
  deviceReadback?: Readback;
  deviceSteps?: number;
  deviceSeconds?: number;
  deviceSubpixelsPerSec?: number;
  deviceImageSeconds?: number;
  /** Speed-up of the device draw over the cached sampler with the CPU draw (same network work per step). */
  deviceSpeedupOverCached?: number;
  /** The device sampler drew the same values as the naive sampler drawing on the device, over the naive steps. */
  deviceAgree?: boolean;
  /** Sub-pixels where the device draw (float32) and the CPU draw (float64) differ, before their first difference. */
  deviceVsCpuDrawFirstDifference?: number | null;
}

type SamplerFn = (m: PixelModel, o: SampleOptions) => Promise<SampleResult>;

/** Runs a sampler until `steps` sub-pixel steps are done (or the whole image), timing it and counting reads. */
async function timed(sampler: SamplerFn, model: PixelModel, batch: number, seed: number, steps: number, extra: Partial<DeviceSampleOptions> = {}) {
  const ac = new AbortController();
  let done = 0;
  const t0 = performance.now();
  const { out: result, reads } = await countReads(() =>
    sampler(model, {
      ...extra,
      count: batch,
      seed,
      small: placeholderSmall(model.config, batch), // a multi-scale pair's conditional half: blank small images (the cost does not depend on them)
      signal: ac.signal,
      onStep: (p) => {
        done = p.done;
        if (p.done >= steps) ac.abort();
      },
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, steps: done, result, reads };
}

/** Counts the reads tfjs makes while `fn` runs (Tensor.data and dataSync both go through the engine). */
export async function countReads<T>(fn: () => Promise<T>): Promise<{ out: T; reads: number }> {
  const engine = tf.engine() as unknown as { read: (id: object) => Promise<unknown>; readSync: (id: object) => unknown };
  const { read, readSync } = engine;
  let reads = 0;
  engine.read = (id) => (reads++, read.call(engine, id));
  engine.readSync = (id) => (reads++, readSync.call(engine, id));
  try {
    return { out: await fn(), reads };
  } finally {
    engine.read = read;
    engine.readSync = readSync;
  }
}

export async function benchSampling(model: PixelModel, o: SamplingBenchOptions): Promise<SamplingBenchRow> {
  const cfg = model.config;
  const per = dims(cfg);
  const { batch, seed } = o;
  // Warm-up (kernel compilation on GPU backends, JIT): one naive step, a row of cached steps; untimed.
  o.before?.('naive');
  await timed(sampleNaive, model, batch, seed + 1, 1);
  const naive = await timed(sampleNaive, model, batch, seed, Math.min(o.naiveSteps, per));
  o.before?.('cached');
  await timed(sampleCached, model, batch, seed + 1, Math.min(per, (cfg.width + 1) * cfg.channels));
  const cached = await timed(sampleCached, model, batch, seed, o.cachedSteps === 'all' ? per : Math.min(o.cachedSteps, per));
  let agree = true;
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < Math.min(naive.steps, cached.steps); s++) if (naive.result.images[b * per + s] !== cached.result.images[b * per + s]) agree = false;
  const naiveRate = (naive.steps * batch) / naive.seconds;
  const cachedRate = (cached.steps * batch) / cached.seconds;
  const perImage = (r: { reads: number; steps: number }) => Math.round((r.reads * per) / Math.max(1, r.steps));
  let device: Partial<SamplingBenchRow> = {};
  if (o.device) {
    // The cached sampler drawing on the device; checked against the naive one drawing on the device over
    // the naive steps (same backend: same draws) and against the CPU draw (differences only at float ties).
    const readback = o.readback ?? 'per-row';
    const naiveOn = await timed(sampleNaiveOnDevice, model, batch, seed, Math.min(o.naiveSteps, per), { readback: 'per-step' });
    await timed(sampleCachedOnDevice, model, batch, seed + 1, Math.min(per, (cfg.width + 1) * cfg.channels), { readback });
    const dev = await timed(sampleCachedOnDevice, model, batch, seed, o.cachedSteps === 'all' ? per : Math.min(o.cachedSteps, per), { readback });
    let deviceAgree = true;
    let firstDiff: number | null = null;
    for (let b = 0; b < batch; b++)
      for (let s = 0; s < per; s++) {
        const d = dev.result.images[b * per + s];
        if (s < Math.min(naiveOn.steps, dev.steps) && naiveOn.result.images[b * per + s] !== d) deviceAgree = false;
        if (s < Math.min(cached.steps, dev.steps) && cached.result.images[b * per + s] !== d) firstDiff = Math.min(firstDiff ?? Infinity, s);
      }
    const rate = (dev.steps * batch) / dev.seconds;
    device = {
      readbacksPerImage: perImage(dev),
      deviceReadback: readback,
      deviceSteps: dev.steps,
      deviceSeconds: dev.seconds,
      deviceSubpixelsPerSec: rate,
      deviceImageSeconds: (per * batch) / rate,
      deviceSpeedupOverCached: rate / cachedRate,
      deviceAgree,
      deviceVsCpuDrawFirstDifference: firstDiff,
    };
  }
  return {
    arch: cfg.arch,
    shape: `${cfg.height}x${cfg.width}x${cfg.channels}`,
    batch,
    naiveSteps: naive.steps,
    naiveSeconds: naive.seconds,
    naiveSubpixelsPerSec: naiveRate,
    naiveImageSecondsExtrapolated: (per * batch) / naiveRate,
    cachedSteps: cached.steps,
    cachedSeconds: cached.seconds,
    cachedSubpixelsPerSec: cachedRate,
    cachedImageSeconds: (per * batch) / cachedRate,
    speedup: cachedRate / naiveRate,
    agree,
    comparedSubpixels: Math.min(naive.steps, cached.steps) * batch,
    height: cfg.height,
    readbacksPerImageBySampler: { naive: perImage(naive), cached: perImage(cached), device: device.readbacksPerImage },
    ...device,
  };
}
