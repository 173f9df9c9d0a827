/**
 * Naive vs cached sampling, side by side in one process on the same weights (npm run bench:sample).
 *
 *   tsx scripts/bench-sample.ts [--backend cpu|webgpu] [--batch 1[,4,…]] [--steps N] [--cached-steps N|all]
 *                               [--models id,id,…] [--model path/to/model.json|dir] [--seed S]
 *                               [--webgpu-matmul auto|reduce|splitk|small|packed] [--webgpu-matmul-cached …]
 *                               [--readback per-row|frame|per-step] [--no-device] [--cross other-backend]
 *
 * Models: the shipped ones (public/models/index.json + public/models/<id>/model.json) when they exist, else
 * the presets small-mnist-* and small-emoji-* with their (random) initial weights; --model adds a saved one.
 * --models filters either list by id / preset name. A shipped Multi-Scale PixelRNN pair is benchmarked stage
 * by stage, as "<id>:small" and "<id>:large" (the conditional large stage on blank small images: its cost does
 * not depend on them); so is a *-cond preset named in --models, e.g. small-emoji64-pixelcnn-cond.
 *
 * Naive sampling costs the same full forward pass at every step, so it is timed over --steps steps (after
 * one untimed warm-up step) and extrapolated linearly to a whole image; the output says so. Cached sampling
 * is timed over the whole image by default (its steps are not all alike: rows begin with row-level work).
 * Both runs use the same seed, and the script checks that the cached images agree with the naive ones on
 * every sub-pixel the naive run drew. The last line of the output is one JSON object with every figure.
 *
 * The cached sampler with the draw on the device (src/core/sampling/device.ts) is timed too (--no-device
 * skips it), and checked against the naive sampler drawing on the device over the naive steps. Every row
 * reports `readbacksPerImage`: the device → CPU reads of that sampler per pass over the image (counted at
 * tfjs's engine, so any op that read back would show), next to `height` (the target on WebGPU is ≤ height),
 * and `readbacksPerImageBySampler` for all three.
 *
 * --cross cpu (say, with --backend webgpu) also samples each model's batch with the device draw on both
 * backends and reports how often they differ (src/core/sampling/crossBackend.ts): `cross` in the JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../src/core/io/artifacts';
import type { ModelConfig } from '../src/core/models/config';
import { PixelModel } from '../src/core/models/pixelModel';
import { preset, presets, type PresetName } from '../src/core/models/presets';
import { benchSampling, type SamplingBenchRow } from '../src/core/sampling/benchmark';
import { crossBackendTies, type CrossBackendTies } from '../src/core/sampling/crossBackend';
import type { Readback } from '../src/core/sampling/types';
import { fileHandler } from './lib/fileIO';
import { setupNodeBackend } from './lib/nodeBackend';

interface Args {
  backend: string;
  batches: number[];
  steps: number;
  cachedSteps: number | 'all';
  models: string[] | null;
  modelPaths: string[];
  seed: number;
  webgpuMatmul: string;
  webgpuMatmulCached: string | null;
  device: boolean;
  readback: Readback;
  cross: string | null;
}

/** tfjs-backend-webgpu's WEBGPU_MATMUL_PROGRAM_TYPE values. */
const MATMUL_PROGRAMS: Record<string, number> = { auto: -1, reduce: 0, splitk: 1, small: 2, packed: 3 };

/** The command line → typed options; every value checked, with the flag named in the error. */
function readArgs(argv: string[]): Args {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      backend: { type: 'string', default: 'cpu' },
      batch: { type: 'string', default: '1' },
      steps: { type: 'string', default: '6' },
      'cached-steps': { type: 'string', default: 'all' },
      models: { type: 'string' },
      model: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string', default: '1' },
      'webgpu-matmul': { type: 'string', default: 'auto' },
      'webgpu-matmul-cached': { type: 'string' },
      readback: { type: 'string', default: 'per-row' },
      'no-device': { type: 'boolean', default: false },
      cross: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) {
    console.log(fs.readFileSync(new URL(import.meta.url)).toString().split('*/')[0]);
    process.exit(0);
  }
  const int = (flag: string, s: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected a positive integer, got "${s}"`);
    return n;
  };
  const oneOf = <T extends string>(flag: string, s: string, allowed: readonly T[]): T => {
    if (!allowed.includes(s as T)) throw new Error(`--${flag}: one of ${allowed.join(', ')}`);
    return s as T;
  };
  const matmuls = Object.keys(MATMUL_PROGRAMS);
  return {
    backend: v.backend,
    batches: v.batch.split(',').map((b) => int('batch', b)),
    steps: int('steps', v.steps),
    cachedSteps: v['cached-steps'] === 'all' ? 'all' : int('cached-steps', v['cached-steps']),
    models: v.models === undefined ? null : v.models.split(',').filter(Boolean),
    modelPaths: v.model,
    seed: int('seed', v.seed),
    webgpuMatmul: oneOf('webgpu-matmul', v['webgpu-matmul'], matmuls),
    webgpuMatmulCached: v['webgpu-matmul-cached'] === undefined ? null : oneOf('webgpu-matmul-cached', v['webgpu-matmul-cached'], matmuls),
    device: !v['no-device'],
    readback: oneOf<Readback>('readback', v.readback, ['per-row', 'frame', 'per-step']),
    cross: v.cross ?? null,
  };
}

/** Loads a saved model folder (or its model.json). */
async function loadSaved(p: string): Promise<PixelModel> {
  const dir = fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p);
  return (await loadModel(fileHandler(dir), path.join(dir, 'model.json'))).model;
}

interface Candidate {
  id: string;
  source: string;
  load: () => Promise<PixelModel>;
}

function candidates(args: Args): Candidate[] {
  const out: Candidate[] = [];
  const index = path.resolve('public/models/index.json');
  if (fs.existsSync(index)) {
    const parsed = JSON.parse(fs.readFileSync(index, 'utf8')) as unknown;
    const list = (Array.isArray(parsed) ? parsed : ((parsed as { models?: unknown[] }).models ?? [])) as (string | { id: string; path?: string; small?: string })[];
    for (const m of list) {
      if (typeof m !== 'string' && m.small && m.path) {
        // a multi-scale pair: both stages
        for (const [stage, rel] of [['small', m.small], ['large', m.path]] as const) {
          const file = path.resolve('public/models', rel);
          if (fs.existsSync(file)) out.push({ id: `${m.id}:${stage}`, source: path.relative(process.cwd(), file), load: () => loadSaved(file) });
        }
        continue;
      }
      const id = typeof m === 'string' ? m : m.id;
      const file = path.resolve('public/models', id, 'model.json');
      if (fs.existsSync(file)) out.push({ id, source: path.relative(process.cwd(), file), load: () => loadSaved(file) });
    }
  }
  if (out.length === 0) {
    for (const name of Object.keys(presets) as PresetName[])
      if (name.startsWith('small-mnist-') || name.startsWith('small-emoji-'))
        out.push({ id: name, source: 'preset, random weights', load: async () => new PixelModel(preset(name)) });
  }
  const picked = args.models ? out.filter((c) => args.models!.includes(c.id)) : out;
  if (args.models) {
    for (const name of args.models)
      if (!picked.some((c) => c.id === name) && name in presets)
        picked.push({ id: name, source: 'preset, random weights', load: async () => new PixelModel(preset(name as PresetName)) });
    const missing = args.models.filter((n) => !picked.some((c) => c.id === n));
    if (missing.length) throw new Error(`Unknown model(s): ${missing.join(', ')}`);
  }
  for (const p of args.modelPaths) picked.push({ id: path.basename(path.dirname(path.resolve(p, fs.statSync(p).isDirectory() ? 'model.json' : ''))), source: p, load: () => loadSaved(p) });
  return picked;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toPrecision(3);
}

type Row = SamplingBenchRow & { model: string; source: string };

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const backend = await setupNodeBackend(args.backend);
  // tfjs-backend-webgpu's matmul program (WEBGPU_MATMUL_PROGRAM_TYPE), for both samplers or for the cached
  // runs only. On SwiftShader (software Vulkan) tfjs's choice for tiny outputs, the workgroup-reduction
  // program, costs ~150 ms per [1,48]×[48,48] product where 'small' takes ~2 ms; forcing 'small' on the
  // naive sampler's big convolutions slows those down instead, hence the separate setting.
  const matmulFor = (cached: boolean): void => {
    if (backend !== 'webgpu') return;
    const name = cached && args.webgpuMatmulCached ? args.webgpuMatmulCached : args.webgpuMatmul;
    tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', MATMUL_PROGRAMS[name]!);
  };
  const list = candidates(args);
  console.log(`bench-sample: backend ${backend}${backend === 'webgpu' ? ` (matmul program: naive ${args.webgpuMatmul}, cached ${args.webgpuMatmulCached ?? args.webgpuMatmul})` : ''}, batch ${args.batches.join(',')}, naive timed over ${args.steps} steps and extrapolated to a whole image, cached timed over ${args.cachedSteps === 'all' ? 'the whole image' : `${args.cachedSteps} steps (extrapolated)`}`);
  const rows: Row[] = [];
  const cross: (CrossBackendTies & { model: string })[] = [];
  for (const cand of list) {
    const model = await cand.load();
    const cfg: ModelConfig = model.config;
    const shape = `${cfg.height}x${cfg.width}x${cfg.channels}`;
    for (const batch of args.batches) {
      const row: Row = {
        model: cand.id,
        source: cand.source,
        ...(await benchSampling(model, { batch, seed: args.seed, naiveSteps: args.steps, cachedSteps: args.cachedSteps === 'all' ? 'all' : args.cachedSteps, before: (which) => matmulFor(which === 'cached'), device: args.device, readback: args.readback })),
      };
      rows.push(row);
      console.log(
        `${cand.id.padEnd(22)} ${cfg.arch.padEnd(9)} ${shape.padEnd(8)} batch ${String(batch).padStart(3)} | ` +
          `naive ${fmt(row.naiveSubpixelsPerSec).padStart(7)} sub-px/s (${row.naiveSteps} steps in ${row.naiveSeconds.toFixed(2)} s; whole batch ≈ ${fmt(row.naiveImageSecondsExtrapolated)} s, extrapolated) | ` +
          `cached ${fmt(row.cachedSubpixelsPerSec).padStart(7)} sub-px/s (${row.cachedSteps} steps in ${row.cachedSeconds.toFixed(2)} s) | ` +
          `×${fmt(row.speedup)} | same draws: ${row.agree ? 'yes' : 'NO'} (${row.comparedSubpixels} sub-pixels compared)`,
      );
      if (row.deviceSubpixelsPerSec !== undefined)
        console.log(
          `${''.padEnd(22)} device draw (${row.deviceReadback}): ${fmt(row.deviceSubpixelsPerSec).padStart(7)} sub-px/s (${row.deviceSteps} steps in ${row.deviceSeconds!.toFixed(2)} s; ×${fmt(row.deviceSpeedupOverCached!)} over the CPU draw) | ` +
            `read-backs per image: ${row.readbacksPerImage} (height ${row.height}; CPU draw ${row.readbacksPerImageBySampler!.cached}) | ` +
            `same draws as naive on the device: ${row.deviceAgree ? 'yes' : 'NO'} | vs the CPU draw: ${row.deviceVsCpuDrawFirstDifference === null ? 'identical' : `first difference at sub-pixel ${row.deviceVsCpuDrawFirstDifference} (a float tie)`}`,
        );
    }
    model.dispose();
    if (args.cross) {
      matmulFor(true);
      const c = await crossBackendTies(cand.load, [backend, args.cross], { count: Math.max(...args.batches), seed: args.seed });
      cross.push({ model: cand.id, ...c });
      console.log(
        `${cand.id.padEnd(22)} device draw, ${c.backends.join(' vs ')}: ${c.differences} of ${c.images} images differ ` +
          `(first differences at ${c.firstDifference.map((d) => d ?? '-').join(', ')}); ${c.differences} per ${c.subpixelsCompared} sub-pixels compared`,
      );
    }
  }
  const worst = rows.reduce((m, r) => Math.min(m, r.speedup), Infinity);
  console.log(
    `Naive rates are extrapolated from ${args.steps} timed steps (every naive step is the same full forward pass). ` +
      `Smallest speed-up: ×${fmt(worst)}${rows.some((r) => !r.agree || r.deviceAgree === false) ? '. WARNING: some cached draws differ from naive ones' : ''}.`,
  );
  console.log(JSON.stringify({ backend, webgpuMatmul: backend === 'webgpu' ? { naive: args.webgpuMatmul, cached: args.webgpuMatmulCached ?? args.webgpuMatmul } : undefined, cachedStepsTimed: args.cachedSteps, deviceReadback: args.device ? args.readback : undefined, naiveStepsTimed: args.steps, naiveExtrapolated: true, results: rows, minSpeedup: worst, cross: args.cross ? cross : undefined }));
  if (rows.some((r) => !r.agree || r.deviceAgree === false)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? e);
  process.exit(1);
});
