/**
 * Training-step benchmark (issue "Training speed on WebGPU"): for each architecture, the time of one
 * RMSProp step and images/s, with tfjs's own convolution gradients and LSTM cell ("tfjs") and with the
 * project's ("project"): src/core/layers/convGrad.ts (1×1 layers as matmuls, k×k filter gradients as one
 * matmul per live tap, input gradients as a convolution with the flipped kernel) and the fused LSTM cell of
 * src/core/layers/lstmKernels.ts, and the recurrent scans' own backward passes (RowLSTM.scan, the Diagonal
 * BiLSTM's jointScan). "unfused" leaves out the fused cell, "autodiff-scans" the scans' own backward passes.
 *
 *   npm run bench:train -- [--backend cpu|wasm|webgpu] [--size browser|paper|both] [--batch 16]
 *                          [--steps 5] [--archs pixelcnn,rowlstm,diagonal,gated] [--paths tfjs,unfused,autodiff-scans,project] [--profile]
 * The browser size is each architecture's small Emoji preset, or its medium one where it has no small one (gated).
 *
 * "browser" size: the small-emoji-* presets (32×32 RGB, what the app fine-tunes); "paper": the paper's
 * CIFAR-10 models (12-layer Row/Diagonal LSTM, 15-layer PixelCNN, h = 128, head 1024) — meant for a GPU.
 * --profile prints the number of kernels one step runs and the ten most expensive (tf.profile), per
 * architecture and path. The project's path includes the fused LSTM cell (src/core/layers/lstmKernels.ts).
 *
 * The same shapes also run through the native PyTorch trainer (train/bench.py, Debian's /usr/bin/python3 with
 * python3-torch, all cores) in the same run, unless --no-torch: every row gets its achieved GFLOP/s (from
 * src/core/models/flops.ts) and the JSON's `vsTorch` gives, per architecture and TypeScript path, its step
 * time ÷ PyTorch's (Adam there, RMSProp here: the optimiser's cost is negligible next to the model's).
 * The last line printed is one JSON object with every figure.
 */
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: 'browser' },
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '5' },
    archs: { type: 'string', default: 'pixelcnn,rowlstm,diagonal' },
    paths: { type: 'string', default: 'tfjs,project' },
    profile: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.PYTHON ?? '/usr/bin/python3' },
  },
});

const backend = await setupNodeBackend(values.backend!);
const tf = await import('@tensorflow/tfjs');
const { PixelModel } = await import('../src/core/models/pixelModel');
const { preset, presets } = await import('../src/core/models/presets');
const { ARCHS } = await import('../src/core/models/config');
const { meanNll } = await import('../src/core/likelihood');
const { trainingFlops } = await import('../src/core/models/flops');

type Arch = (typeof ARCHS)[number];
const batch = Number(values.batch);
const steps = Number(values.steps);
const archs = values.archs!.split(',') as Arch[];
for (const a of archs) if (!ARCHS.includes(a)) throw new Error(`Unknown architecture "${a}": use ${ARCHS.join(', ')}`);
// 'unfused': the project's path with the LSTM cell composed of tfjs ops; 'autodiff-scans': the project's path
// with the recurrent scans differentiated by tfjs step by step instead of their own backward passes.
const PATHS = ['tfjs', 'unfused', 'autodiff-scans', 'project'] as const;
const paths = values.paths!.split(',') as (typeof PATHS)[number][];
for (const p of paths) if (!PATHS.includes(p)) throw new Error(`Unknown path "${p}": use ${PATHS.join(', ')}`);
const sizes = values.size === 'both' ? ['browser', 'paper'] : [values.size!];
type PresetName = Parameters<typeof preset>[0];
const presetOf = (size: string, arch: Arch): PresetName => {
  const names = size === 'paper' ? [`paper-cifar-${arch}`] : [`small-emoji-${arch}`, `medium-emoji-${arch}`];
  const name = names.find((n) => n in presets);
  if (!name) throw new Error(`No ${size} preset for ${arch} (looked for ${names.join(', ')})`);
  return name as PresetName;
};

interface Row {
  size: string;
  preset?: string;
  arch: Arch;
  path: string;
  params: number;
  msPerStep: number | null;
  imagesPerSec: number | null;
  gflops?: number | null;
  /** Why the step could not run on this path (e.g. wasm has no Conv2DBackpropFilter kernel). */
  error?: string;
  topKernels?: [string, number][];
  /** Kernels run by one step (--profile): on WebGPU each is at least one dispatch. */
  kernels?: number;
}
const rows: Row[] = [];

for (const size of sizes)
  for (const arch of archs) {
    const config = preset(presetOf(size, arch));
    const { height: H, width: W, channels: C } = config;
    const x = tf.tidy(() => tf.randomUniform([batch, H, W, C], 0, 256, 'int32', 1).toFloat() as import("@tensorflow/tfjs").Tensor4D);
    for (const path of paths) {
      // The same weights (same config and seed), computed along this path.
      const model = new PixelModel(config, {
        path: { project: path !== 'tfjs', ownScans: path === 'project' || path === 'unfused', fusedLstm: path === 'project' || path === 'autodiff-scans' },
      });
      const opt = tf.train.rmsprop(1e-4);
      const step = async () => {
        const l = opt.minimize(() => meanNll(model.logits(x), x, model.config.output), true)!;
        await l.data();
        l.dispose();
      };
      try {
        await step(); // warm-up: shader compilation, allocation
      } catch (e) {
        const error = (e as Error).message.split('\n')[0]!;
        rows.push({ size, arch, path, params: model.params.count(), msPerStep: null, imagesPerSec: null, error });
        console.log(`${size.padEnd(8)} ${arch.padEnd(9)} ${path.padEnd(14)} cannot train: ${error}`);
        opt.dispose();
        model.dispose();
        continue;
      }
      const times: number[] = [];
      for (let s = 0; s < steps; s++) {
        const t0 = performance.now();
        await step();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)]!;
      const row: Row = {
        size,
        preset: presetOf(size, arch),
        arch,
        path,
        params: model.params.count(),
        msPerStep: +ms.toFixed(1),
        imagesPerSec: +((1000 * batch) / ms).toFixed(2),
        gflops: +(trainingFlops(model.config, batch) / ms / 1e6).toFixed(2),
      };
      if (values.profile) {
        const prof = await tf.profile(step);
        const agg = new Map<string, number>();
        for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + Number(k.kernelTimeMs));
        row.kernels = prof.kernels.length;
        row.topKernels = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([n, t]) => [n, +t.toFixed(1)]);
      }
      rows.push(row);
      console.log(`${size.padEnd(8)} ${arch.padEnd(9)} ${path.padEnd(14)} ${String(row.msPerStep).padStart(9)} ms/step ${String(row.imagesPerSec).padStart(8)} images/s`);
      if (row.topKernels) console.log(`    ${row.kernels} kernels:`, row.topKernels.map(([n, t]) => `${n} ${t}`).join(', '));
      opt.dispose();
      model.dispose();
    }
    x.dispose();
  }

const speedups = rows
  .filter((r) => r.path === 'project')
  .map((r) => {
    const base = rows.find((b) => b.path === 'tfjs' && b.arch === r.arch && b.size === r.size);
    const ok = base?.msPerStep && r.msPerStep;
    return { size: r.size, arch: r.arch, speedup: ok ? +(base.msPerStep! / r.msPerStep!).toFixed(2) : null };
  });
for (const s of speedups) if (s.speedup !== null) console.log(`${s.size} ${s.arch}: project path ${s.speedup}× the tfjs path`);

// The native PyTorch path on the same shapes, in this same run.
let torch: { version: string; threads: number } | null = null;
const vsTorch: { size: string; arch: Arch; path: string; vsTorch: number | null }[] = [];
if (!values['no-torch']) {
  const { execFileSync } = await import('node:child_process');
  const names = sizes.flatMap((size) => archs.map((arch) => presetOf(size, arch)));
  try {
    const out = execFileSync(values.python!, ['train/bench.py', '--presets', names.join(','), '--batch', String(batch), '--steps', String(steps)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { torch: string; threads: number; rows: { preset: string; msPerStep: number; spread: number[] }[] };
    torch = { version: r.torch, threads: r.threads };
    for (const size of sizes)
      for (const arch of archs) {
        const t = r.rows.find((x) => x.preset === presetOf(size, arch))!;
        const flops = trainingFlops(preset(presetOf(size, arch)), batch);
        const row: Row = { size, arch, path: 'pytorch', params: 0, msPerStep: t.msPerStep, imagesPerSec: +((1000 * batch) / t.msPerStep).toFixed(2), gflops: +(flops / t.msPerStep / 1e6).toFixed(2) };
        rows.push(row);
        console.log(`${size.padEnd(8)} ${arch.padEnd(9)} ${'pytorch'.padEnd(14)} ${String(row.msPerStep).padStart(9)} ms/step ${String(row.imagesPerSec).padStart(8)} images/s  (spread ${t.spread.join('–')} ms)`);
        for (const mine of rows.filter((x) => x.size === size && x.arch === arch && x.path !== 'pytorch'))
          vsTorch.push({ size, arch, path: mine.path, vsTorch: mine.msPerStep ? +(mine.msPerStep / t.msPerStep).toFixed(2) : null });
      }
  } catch (e) {
    console.log(`PyTorch path not measured: ${(e as Error).message.split('\n')[0]} (install python3-torch, or pass --no-torch)`);
  }
}
for (const r of rows) if (r.gflops) console.log(`${r.size} ${r.arch} ${r.path}: ${r.gflops} GFLOP/s`);
for (const v of vsTorch) if (v.vsTorch !== null) console.log(`${v.size} ${v.arch} ${v.path}: ${v.vsTorch}× PyTorch's step time`);
console.log(JSON.stringify({ bench: 'train', backend, batch, steps, torch, rows, speedups, vsTorch }));
