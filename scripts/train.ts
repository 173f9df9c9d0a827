/**
 * Trains a PixelCNN / Row LSTM / Diagonal BiLSTM on a prepared dataset (public/data/), with a progress bar,
 * periodic validation, checkpoints and a final JSON report.
 *
 *   npm run train -- --model pixelcnn|row|diagonal --data mnist|emoji32 [options]
 *   node dist-node/train.mjs …   (the same, bundled for a GPU machine)
 *
 * Writes to --out DIR: model.json + weights.bin (the model, loadable by fileHandler(dir) and by the
 * browser, with a model card in userDefinedMetadata.card), checkpoint/ (weights, optimiser state and data
 * position: --resume continues exactly), events.jsonl (step/eval events) and report.json (also printed as
 * the last line).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP = `Usage: train --model <pixelcnn|row|diagonal> --data <mnist|emoji32> [options]

Model
  --model NAME          pixelcnn, row (Row LSTM) or diagonal (Diagonal BiLSTM)
  --preset NAME         a preset of src/core/models/presets.ts (default small-<mnist|emoji>-<model>)
  --layers N --hidden H --head W   override the preset's layers, h and head width
Training
  --steps N             total steps to train to (default 2000; with --resume, the new total)
  --batch B             batch size (default 16, the paper's)
  --optimizer NAME      rmsprop (default, the paper's) or adam
  --lr X                learning rate (default 1e-3)
  --schedule NAME       constant (default) or cosine (linear warm-up, cosine decay to --min-lr-factor)
  --warmup N            warm-up steps (default 0)   --min-lr-factor F (default 0.05)
  --clip X              clip the global gradient norm (default 0: off)
  --seed S              seed of the weights and of the data order (default 1)
  --time-limit MIN      stop cleanly after MIN minutes of wall time, evaluate and save
Evaluation and output
  --eval-every N        validate every N steps (default 500; 0: only at the end)
  --valid-limit N       validate on the first N validation images (default 1000; 0: all)
  --checkpoint-every N  checkpoint every N steps (default 500; always at the end)
  --out DIR             output folder (default runs/<preset>)
  --resume              continue the checkpoint in --out DIR
  --backend NAME        wasm (default: the fastest CPU path), cpu or webgpu; --resume does not remember it
  --quiet               no progress bar: one log line per evaluation
  --help`;

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    preset: { type: 'string' },
    layers: { type: 'string' },
    hidden: { type: 'string' },
    head: { type: 'string' },
    steps: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '16' },
    optimizer: { type: 'string', default: 'rmsprop' },
    lr: { type: 'string', default: '1e-3' },
    schedule: { type: 'string', default: 'constant' },
    warmup: { type: 'string', default: '0' },
    'min-lr-factor': { type: 'string', default: '0.05' },
    clip: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    'time-limit': { type: 'string' },
    'eval-every': { type: 'string', default: '500' },
    'valid-limit': { type: 'string' },
    'checkpoint-every': { type: 'string', default: '500' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(HELP);
  process.exit(0);
}

function fail(msg: string): never {
  console.error(`train: ${msg}\n\n${HELP}`);
  process.exit(2);
}

function int(name: keyof typeof args, min = 0): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) fail(`--${name} must be an integer ≥ ${min}, got "${String(args[name])}"`);
  return v;
}

function num(name: keyof typeof args): number {
  const v = Number(args[name]);
  if (!Number.isFinite(v)) fail(`--${name} must be a number, got "${String(args[name])}"`);
  return v;
}

const ARCHS: Record<string, 'pixelcnn' | 'rowlstm' | 'diagonal'> = { pixelcnn: 'pixelcnn', row: 'rowlstm', rowlstm: 'rowlstm', diagonal: 'diagonal' };

const backend = await setupNodeBackend(args.backend!);
const { SingleBar, Presets } = (await import('cli-progress')).default;
const { presets, preset: makePreset } = await import('../src/core/models/presets');
const { createModel } = await import('../src/core/models/pixelModel');
const { dims } = await import('../src/core/models/config');
const { saveModel } = await import('../src/core/io/artifacts');
const { parseCard } = await import('../src/core/io/card');
const { Trainer, datasetSource, evalSet, loadCheckpoint, saveCheckpoint } = await import('../src/core/train/index');
const { fileHandler } = await import('./lib/fileIO');
const { formatDuration, hardwareInfo, loadDatasetFromDisk } = await import('./lib/nodeData');
type TrainEvent = import('../src/core/train/index').TrainEvent;
type ModelCard = import('../src/core/io/artifacts').ModelCard;

const wallStart = performance.now();
const command = ['train', ...process.argv.slice(2)].join(' ');
const hardware = await hardwareInfo();

// 1) What to train: from the checkpoint when resuming, else from the command line.
interface Setup {
  presetName: string;
  dataName: string;
  batch: number;
  seed: number;
  commands: string[];
  /** Validation images (0: all): kept so a resumed run reports comparable numbers. */
  validLimit: number;
}
let outDir = args.out;
let trainer: InstanceType<typeof Trainer>;
let setup: Setup;
const validLimitArg = args['valid-limit'] !== undefined ? int('valid-limit') : undefined;
const targetSteps = int('steps', 1);

if (args.resume) {
  if (!outDir) fail('--resume needs --out DIR (the folder of the run to continue)');
  const ckDir = path.join(outDir, 'checkpoint');
  const ck = await loadCheckpoint(fileHandler(ckDir, { versionedWeights: true })).catch((e: Error) => fail(`cannot resume: ${e.message}`));
  const card = parseCard((ck.userDefinedMetadata as { card?: unknown } | undefined)?.card, ckDir);
  if (!card.training) fail(`${ckDir} has no training setup in its card`);
  setup = { ...card.training, commands: [...card.training.commands, command] };
  setup.validLimit = validLimitArg ?? setup.validLimit ?? 1000;
  const dataset = await loadDatasetFromDisk(setup.dataName, ['train', 'val']);
  trainer = await Trainer.restore(ck, {
    train: datasetSource(dataset, 'train', { batchSize: setup.batch, seed: setup.seed }),
    valid: evalSet(dataset, 'val', setup.validLimit || undefined),
  });
  console.error(`Resuming ${setup.presetName} on ${setup.dataName} at step ${trainer.stepCount} (${formatDuration(trainer.elapsedSec)} trained so far)`);
} else {
  const dataName = args.data ?? fail('--data is required (mnist or emoji32)');
  if (!['mnist', 'emoji32'].includes(dataName)) fail(`unknown dataset "${dataName}"`);
  let presetName = args.preset;
  if (!presetName) {
    const arch = ARCHS[args.model ?? ''] ?? fail(`--model must be pixelcnn, row or diagonal (got "${args.model ?? ''}")`);
    presetName = `small-${dataName === 'mnist' ? 'mnist' : 'emoji'}-${arch}`;
  }
  if (!(presetName in presets)) fail(`unknown preset "${presetName}": ${Object.keys(presets).join(', ')}`);
  const seed = int('seed');
  const overrides: Record<string, number | string> = { seed };
  if (args.model) overrides.arch = ARCHS[args.model] ?? fail(`--model must be pixelcnn, row or diagonal`);
  if (args.layers) overrides.layers = int('layers');
  if (args.hidden) overrides.hidden = int('hidden', 1);
  if (args.head) overrides.headWidth = int('head', 1);
  const config = makePreset(presetName as keyof typeof presets, overrides);
  const dataset = await loadDatasetFromDisk(dataName, ['train', 'val']);
  const [h, w, c] = dataset.shape;
  if (config.height !== h || config.width !== w || config.channels !== c || (config.output === 'binary') !== (dataset.kind === 'binary'))
    fail(`preset ${presetName} models ${config.height}×${config.width}×${config.channels} ${config.output} images; ${dataName} has ${h}×${w}×${c} ${dataset.kind}`);
  outDir ??= path.join('runs', presetName);
  try {
    await fs.access(path.join(outDir, 'checkpoint', 'model.json'));
    fail(`${outDir} already holds a checkpoint: add --resume to continue it, or choose another --out`);
  } catch {
    // a fresh folder
  }
  setup = { presetName, dataName, batch: int('batch', 1), seed, commands: [command], validLimit: validLimitArg ?? 1000 };
  const optimizer = args.optimizer === 'adam' || args.optimizer === 'rmsprop' ? args.optimizer : fail(`--optimizer must be rmsprop or adam`);
  const schedule =
    args.schedule === 'cosine'
      ? { kind: 'cosine' as const, warmupSteps: int('warmup'), totalSteps: targetSteps, minFactor: num('min-lr-factor') }
      : args.schedule === 'constant'
        ? int('warmup') > 0
          ? { kind: 'warmup' as const, warmupSteps: int('warmup') }
          : { kind: 'constant' as const }
        : fail('--schedule must be constant or cosine');
  trainer = new Trainer(
    createModel(config),
    { train: datasetSource(dataset, 'train', { batchSize: setup.batch, seed }), valid: evalSet(dataset, 'val', setup.validLimit || undefined) },
    { optimizer, lr: num('lr'), schedule, clipNorm: num('clip') },
  );
}

const model = trainer.model;
const config = model.config;
const paramCount = model.params.count();
await fs.mkdir(outDir, { recursive: true });
const eventsPath = path.join(outDir, 'events.jsonl');
let pendingEvents: string[] = [];
const flushEvents = async () => {
  if (pendingEvents.length) await fs.appendFile(eventsPath, pendingEvents.join(''));
  pendingEvents = [];
};

const card = (): ModelCard => ({
  name: setup.presetName,
  architecture: { ...config, description: { pixelcnn: 'PixelCNN', rowlstm: 'Row LSTM PixelRNN', diagonal: 'Diagonal BiLSTM PixelRNN', gated: 'Gated PixelCNN' }[config.arch] },
  parameters: paramCount,
  dataset: { name: setup.dataName, trainSplit: 'train', validSplit: 'val', validImages: trainer.data.valid?.count },
  steps: trainer.stepCount,
  skippedSteps: trainer.skippedSteps,
  optimizer: trainer.options.optimizer,
  lr: trainer.options.lr,
  schedule: trainer.options.schedule,
  clipNorm: trainer.options.clipNorm,
  batchSize: setup.batch,
  trainSeconds: Math.round(trainer.elapsedSec),
  hardware,
  commands: setup.commands,
  valid: trainer.lastEval ? { step: trainer.lastEval.step, natsPerImage: trainer.lastEval.nats, bitsPerDim: trainer.lastEval.bitsPerDim, images: trainer.lastEval.images } : null,
  date: new Date().toISOString(),
  training: setup,
});

const saveAll = async (checkpoint?: import('@tensorflow/tfjs').io.ModelArtifacts) => {
  const c = card();
  if (checkpoint) await fileHandler(path.join(outDir, 'checkpoint'), { versionedWeights: true }).save!(checkpoint);
  else await saveCheckpoint(trainer, fileHandler(path.join(outDir, 'checkpoint'), { versionedWeights: true }), c);
  await saveModel(model, fileHandler(outDir), c);
  await flushEvents();
};

// 2) Progress: a bar on a terminal (cli-progress), log lines otherwise.
const isRgb = config.output !== 'binary';
const fmtNll = (nats: number, bpd: number) => (isRgb ? `${bpd.toFixed(3)} bits/dim` : `${nats.toFixed(2)} nats`);
const bar = args.quiet
  ? null
  : new SingleBar(
      {
        format: 'step {value}/{total} |{bar}| {percentage}% | loss {loss} | val {val} | {ips} img/s | ETA {eta2}',
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 15000,
        barsize: 24,
      },
      Presets.shades_classic,
    );
let valText = trainer.lastEval ? fmtNll(trainer.lastEval.nats, trainer.lastEval.bitsPerDim) : '–';
const onEvent = (e: TrainEvent) => {
  if (e.type === 'step') {
    bar?.update(e.step, { loss: fmtNll(e.loss, e.bitsPerDim), ips: e.imagesPerSec.toFixed(1), eta2: formatDuration(e.etaSec ?? NaN), val: valText });
    if (e.step % 10 === 0) pendingEvents.push(`${JSON.stringify({ t: e.type, step: e.step, loss: e.loss, bpd: e.bitsPerDim, gn: e.gradNorm, lr: e.lr, ips: e.imagesPerSec })}\n`);
  } else if (e.type === 'skip') {
    pendingEvents.push(`${JSON.stringify(e)}\n`);
    if (!bar) console.error(`step ${e.step}: skipped (${e.reason})`);
  } else if (e.type === 'eval') {
    valText = fmtNll(e.nats, e.bitsPerDim);
    bar?.update({ val: valText });
    pendingEvents.push(`${JSON.stringify(e)}\n`);
    if (!bar) console.error(`step ${e.step}: validation ${valText} (${e.images} images, ${e.seconds.toFixed(1)} s)`);
  }
};

// Ctrl-C stops cleanly (evaluates, saves); a second one quits at once.
const ctl = new AbortController();
process.on('SIGINT', () => {
  if (ctl.signal.aborted) process.exit(130);
  ctl.abort();
});

bar?.start(targetSteps, trainer.stepCount, { loss: '–', ips: '–', eta2: '?', val: valText });
const timeLimitMin = args['time-limit'] !== undefined ? num('time-limit') : undefined;
let result: Awaited<ReturnType<typeof trainer.run>>;
try {
  result = await trainer.run({
    untilStep: targetSteps,
    signal: ctl.signal,
    onEvent,
    evalEvery: int('eval-every'),
    evalAtEnd: true,
    checkpointEvery: int('checkpoint-every'),
    onCheckpoint: (ck) => saveAll(ck),
    card,
    // The budget counts from the start of the command (data loading included); the final evaluation and save come after.
    timeLimitSec: timeLimitMin !== undefined ? Math.max(0, timeLimitMin * 60 - (performance.now() - wallStart) / 1000) : undefined,
  });
} catch (e) {
  bar?.stop();
  await flushEvents();
  console.error(`train: ${(e as Error).message}. The last checkpoint in ${outDir}/checkpoint is unaffected.`);
  process.exit(1);
}
if (result.reason === 'aborted' && trainer.data.valid && trainer.lastEval?.step !== trainer.stepCount) await trainer.evaluate();
if (result.reason === 'aborted' || int('checkpoint-every') === 0) await saveAll();
else await saveModel(model, fileHandler(outDir), card()); // the card now has the final evaluation
bar?.stop();
await flushEvents();

// 3) The report.
const last = trainer.lastEval;
const report = {
  command,
  commands: setup.commands,
  preset: setup.presetName,
  config,
  parameters: paramCount,
  dataset: setup.dataName,
  stopReason: result.reason,
  steps: trainer.stepCount,
  skippedSteps: trainer.skippedSteps,
  wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
  trainSeconds: Math.round(trainer.elapsedSec * 10) / 10,
  backend,
  hardware,
  finalValid: last
    ? { step: last.step, images: last.images, natsPerImage: last.nats, bitsPerDim: last.bitsPerDim, ...(isRgb ? {} : { note: 'nats per image' }) }
    : null,
  out: outDir,
  dims: dims(config),
};
await fs.writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
console.error(`Saved ${outDir}/model.json (${paramCount} parameters, ${trainer.stepCount} steps); validation ${last ? fmtNll(last.nats, last.bitsPerDim) : 'not run'}`);
console.log(JSON.stringify(report));
trainer.dispose({ model: true });
process.exit(0);
