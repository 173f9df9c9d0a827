import { dims } from '../models/config';
import type { PixelModel } from '../models/pixelModel';
import { sampleCached } from './cached';
import { sampleNaive } from './naive';
import type { SampleOptions, SampleResult } from './types';

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
}

type SamplerFn = (m: PixelModel, o: SampleOptions) => Promise<SampleResult>;

/** Runs a sampler until `steps` sub-pixel steps are done (or the whole image), timing it. */
async function timed(sampler: SamplerFn, model: PixelModel, batch: number, seed: number, steps: number) {
  const ac = new AbortController();
  let done = 0;
  const t0 = performance.now();
  const result = await sampler(model, {
    count: batch,
    seed,
    signal: ac.signal,
    onStep: (p) => {
      done = p.done;
      if (p.done >= steps) ac.abort();
    },
  });
  return { seconds: (performance.now() - t0) / 1000, steps: done, result };
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
  };
}
