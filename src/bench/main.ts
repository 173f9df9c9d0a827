/**
 * The benchmark page (bench.html), on the page's main thread on purpose (a benchmark, not the app). Two
 * suites, chosen by `?suite=`; the JSON of the results ends up in #out's data-result.
 *
 * - `checks` (default): naive vs cached sampling with src/core/sampling/benchmark.ts (the figures of
 *   `npm run bench:sample`), the fused WebGPU LSTM cell and the training gradients against tfjs's, on one
 *   backend (`?backend=`, else WebGPU when the browser has it).
 * - `backends`: for each backend this browser offers (or `?backends=wasm,cpu`), the app's sampling speed
 *   (cached sampler, sub-pixels/s) and training speed (real steps of the training loop, images/s;
 *   `?trainBackends=` limits which) on a shipped model (`?model=`, default the Emoji-32 PixelCNN): the
 *   figures the app's calibration compares. Sizes: `batch`, `sampleSteps`, `trainBatch`, `trainSteps`.
 * - `ties`: how often the device draw differs between two backends (`?backends=webgpu,cpu`) on a model
 *   (`?model=`), sampling `count` whole images on each (src/core/sampling/crossBackend.ts).
 *
 * In `checks`, `?device=1` also runs the cached sampler with the draw on the device (what the app runs on
 * WebGPU), against the naive sampler drawing on the device, with `?readback=` (per-row, frame, per-step).
 */
import { PixelModel, preset, presets, type PresetName } from '../core/index';
import { checkLstmCell } from '../core/layers/lstm';
import { benchSampling, type SamplingBenchRow } from '../core/sampling/benchmark';
import { crossBackendTies } from '../core/sampling/crossBackend';
import type { Readback } from '../core/sampling/types';
import { checkGradients } from '../core/train/gradientCheck';
import { isBackendName, probeAll, useBackend, type BackendName } from '../gpu/backend';
import { BACKENDS } from '../gpu/names';
import { benchModel, type BenchMessage } from './backends';

const out = document.getElementById('out')!;
const params = new URLSearchParams(location.search);
const log = (line: string) => {
  out.textContent = out.textContent === 'starting…' ? line : `${out.textContent}\n${line}`;
};
const num = (k: string, d: number) => {
  const v = Number(params.get(k) ?? d);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`?${k}= must be a positive number, got "${params.get(k)}"`);
  return v;
};

async function modelFor(id: string): Promise<PixelModel> {
  if (id in presets) return new PixelModel(preset(id as PresetName));
  return benchModel(id, new URL('models/', document.baseURI).href);
}

function done(result: object): void {
  log(JSON.stringify(result));
  out.dataset.result = JSON.stringify(result);
  out.dataset.status = 'done';
}

async function checks(): Promise<void> {
  const env = await probeAll();
  const forced = params.get('backend');
  if (forced !== null && !isBackendName(forced)) throw new Error(`Unknown backend "${forced}": use ${BACKENDS.join(', ')}`);
  const name: BackendName = forced ?? (env.probes.find((p) => p.name === 'webgpu')?.available ? 'webgpu' : 'cpu');
  await useBackend(name, env);
  const probe = env.probes.find((p) => p.name === name)!;
  log(`backend: ${name} (${probe.detail})`);
  // The fused WebGPU LSTM cell (src/core/layers/lstmKernels.ts) against the composite of tfjs ops, here in the browser.
  const lstmCell = await checkLstmCell();
  const worst = Math.max(lstmCell.h, lstmCell.c, lstmCell.dGates, lstmCell.dcPrev);
  log(`LSTM cell: ${lstmCell.fused ? 'fused kernel' : 'composite of tfjs ops'}, largest relative difference from the composite ${worst.toExponential(1)}`);
  // The project's training gradients (convolutions, scans' own backward passes) against tfjs's, per architecture.
  const gradients = [];
  for (const arch of ['pixelcnn', 'rowlstm', 'diagonal'] as const) {
    const g = await checkGradients(arch);
    gradients.push(g);
    log(`training gradients, ${arch}: largest relative difference from tfjs's ${g.maxRelErr.toExponential(1)}`);
  }
  const ids = (params.get('models') ?? 'small-mnist-pixelcnn,small-mnist-rowlstm,small-mnist-diagonal').split(',');
  const batch = num('batch', 1);
  const naiveSteps = num('naiveSteps', 3);
  const cs = params.get('cachedSteps') ?? '200';
  const device = params.get('device') === '1';
  const readback = (params.get('readback') ?? 'per-row') as Readback;
  if (!['per-row', 'frame', 'per-step'].includes(readback)) throw new Error(`?readback= must be per-row, frame or per-step, got "${readback}"`);
  const rows: (SamplingBenchRow & { model: string })[] = [];
  for (const id of ids) {
    const model = await modelFor(id);
    const row = { model: id, ...(await benchSampling(model, { batch, seed: 1, naiveSteps, cachedSteps: cs === 'all' ? 'all' : Number(cs), device, readback })) };
    model.dispose();
    rows.push(row);
    log(
      `${id}: naive ${row.naiveSubpixelsPerSec.toFixed(2)} sub-px/s (${row.naiveSteps} steps, extrapolated), ` +
        `cached ${row.cachedSubpixelsPerSec.toFixed(1)} sub-px/s (${row.cachedSteps} steps), ×${row.speedup.toFixed(1)}, same draws: ${row.agree ? 'yes' : 'NO'}`,
    );
    if (device)
      log(
        `${id}, draw on the device (${readback}): ${row.deviceSubpixelsPerSec!.toFixed(1)} sub-px/s, ×${row.deviceSpeedupOverCached!.toFixed(2)} over the CPU draw, ` +
          `${row.readbacksPerImage} read-backs per image (height ${row.height}), same draws as naive on the device: ${row.deviceAgree ? 'yes' : 'NO'}`,
      );
  }
  done({ backend: name, software: probe.software, lstmCell, gradients, batch, naiveSteps, cachedSteps: cs, results: rows, minSpeedup: Math.min(...rows.map((r) => r.speedup)) });
}

/**
 * The backends suite runs in a dedicated worker, as the app does: tfjs-wasm's threaded build blocks a page's
 * main thread while it waits for its threads to start.
 */
function backends(): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./backends.worker.ts', import.meta.url), { type: 'module', name: 'bench' });
    worker.onmessage = (ev: MessageEvent<BenchMessage>) => {
      const m = ev.data;
      if (m.kind === 'log') log(m.line);
      else if (m.kind === 'done') {
        done(m.result);
        resolve();
      } else reject(new Error(m.message));
    };
    worker.onerror = (ev) => reject(new Error(ev.message || 'the benchmark worker crashed'));
    worker.postMessage({ search: location.search, models: new URL('models/', document.baseURI).href });
  });
}

/** The device draw on two backends, whole images: the tie rate of README "Sampling speed". */
async function ties(): Promise<void> {
  const pair = (params.get('backends') ?? 'webgpu,cpu').split(',');
  if (pair.length !== 2 || !pair.every(isBackendName)) throw new Error(`?backends= must name two backends, e.g. webgpu,cpu; got "${params.get('backends')}"`);
  const id = params.get('model') ?? 'emoji32-pixelcnn';
  for (const name of pair) await useBackend(name as BackendName); // starts each (wasm's set-up included)
  const count = num('count', 4);
  const seed = num('seed', 1);
  const t0 = performance.now();
  const r = await crossBackendTies(() => modelFor(id), pair as [string, string], { count, seed });
  log(
    `${id}, ${pair.join(' vs ')}: ${r.differences} of ${r.images} images differ; first differences ${JSON.stringify(r.firstDifference)}; ` +
      `${r.differences} ties in ${r.subpixelsCompared} sub-pixels compared (rate ${r.rate.toExponential(2)}), ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  done({ model: id, ...r });
}

const suites: Record<string, () => Promise<void>> = { checks, backends, ties };
const suite = params.get('suite') ?? 'checks';
(suites[suite] ?? (() => Promise.reject(new Error(`?suite= must be one of ${Object.keys(suites).join(', ')}, got "${suite}"`))))().catch((e: unknown) => {
  log(`error: ${(e as Error).message}`);
  out.dataset.status = 'error';
});
