/**
 * The browser side of `npm run bench:sample` (bench.html): naive vs cached sampling with
 * src/core/sampling/benchmark.ts on the backend the app would choose. It runs on the page's main thread on
 * purpose (a benchmark, not the app); the JSON of all rows ends up in #out's data-result.
 */
import { PixelModel, loadModel, preset, presets, type PresetName } from '../core/index';
import { benchSampling, type SamplingBenchRow } from '../core/sampling/benchmark';
import { checkLstmCell } from '../core/layers/lstm';
import { checkGradients } from '../core/train/gradientCheck';
import { chooseBackend, isBackendName, preferSmallMatmulOnSoftware } from '../gpu/backend';
import * as tf from '@tensorflow/tfjs';

const out = document.getElementById('out')!;
const params = new URLSearchParams(location.search);
const log = (line: string) => {
  out.textContent = out.textContent === 'starting…' ? line : `${out.textContent}\n${line}`;
};

async function modelFor(id: string): Promise<PixelModel> {
  if (id in presets) return new PixelModel(preset(id as PresetName));
  const index = (await (await fetch('models/index.json')).json()) as { models: { id: string; path: string }[] };
  const entry = index.models.find((m) => m.id === id);
  if (!entry) throw new Error(`No model "${id}" in models/index.json and no preset of that name`);
  return (await loadModel(tf.io.http(`models/${entry.path}`), entry.path)).model;
}

async function main(): Promise<void> {
  const forced = params.get('backend');
  const info = await chooseBackend(isBackendName(forced) ? forced : null);
  const smallMatmul = preferSmallMatmulOnSoftware(info);
  log(`backend: ${info.name} — ${info.reason}${smallMatmul ? ' (small-output matmul program)' : ''}`);
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
  const batch = Number(params.get('batch') ?? 1);
  const naiveSteps = Number(params.get('naiveSteps') ?? 3);
  const cs = params.get('cachedSteps') ?? '200';
  const rows: (SamplingBenchRow & { model: string })[] = [];
  for (const id of ids) {
    const model = await modelFor(id);
    const row = { model: id, ...(await benchSampling(model, { batch, seed: 1, naiveSteps, cachedSteps: cs === 'all' ? 'all' : Number(cs) })) };
    model.dispose();
    rows.push(row);
    log(
      `${id}: naive ${row.naiveSubpixelsPerSec.toFixed(2)} sub-px/s (${row.naiveSteps} steps, extrapolated), ` +
        `cached ${row.cachedSubpixelsPerSec.toFixed(1)} sub-px/s (${row.cachedSteps} steps), ×${row.speedup.toFixed(1)}, same draws: ${row.agree ? 'yes' : 'NO'}`,
    );
  }
  const result = { backend: info.name, software: info.software, lstmCell, gradients, batch, naiveSteps, cachedSteps: cs, results: rows, minSpeedup: Math.min(...rows.map((r) => r.speedup)) };
  log(JSON.stringify(result));
  out.dataset.result = JSON.stringify(result);
  out.dataset.status = 'done';
}

main().catch((e: unknown) => {
  log(`error: ${(e as Error).message}`);
  out.dataset.status = 'error';
});
