/**
 * Trains a PixelCNN / Row LSTM / Diagonal BiLSTM on a prepared dataset (public/data/), with a progress bar,
 * periodic validation, checkpoints and a final JSON report.
 *
 *   npm run train -- --model pixelcnn|row|diagonal --data mnist|emoji32 [options]
 *   npm run train -- --preset small-emoji64-pixelcnn-cond --data emoji64   (a multi-scale pair's conditional half, given box(x))
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

const HELP = `Usage: train --model <pixelcnn|row|diagonal> --data <mnist|emoji32|emoji64> [options]

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

type Arch = 'pixelcnn' | 'rowlstm' | 'diagonal';
const ARCHS: Record<string, Arch> = { pixelcnn: 'pixelcnn', row: 'rowlstm', rowlstm: 'rowlstm', diagonal: 'diagonal' };

/** The command line, checked and typed. */
interface TrainCliOptions {
  model?: Arch;
  /** emoji64: a multi-scale pair's conditional half (a *-cond preset), trained given box(x) of each image. */
  data?: 'mnist' | 'emoji32' | 'emoji64';
  preset?: string;
  layers?: number;
  hidden?: number;
  head?: number;
  /** Total steps to train to. */
  steps: number;
  batch: number;
  optimizer: 'rmsprop' | 'adam';
  lr: number;
  schedule: 'constant' | 'cosine';
  warmup: number;
  minLrFactor: number;
  clip: number;
  seed: number;
  timeLimitMin?: number;
  evalEvery: number;
  validLimit?: number;
  checkpointEvery: number;
  out?: string;
  resume: boolean;
  backend: string;
  quiet: boolean;
  /** The command as typed (kept in the card and the report). */
  command: string;
}

class UsageError extends Error {}

/** argv (without node and the script) → options, or a UsageError saying what is wrong; null for --help. */
function parseOptions(argv: string[]): TrainCliOptions | null {
  const { values: v } = parseArgs({
    args: argv,
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
  if (v.help) return null;
  const int = (name: keyof typeof v, min = 0): number => {
    const x = Number(v[name]);
    if (!Number.isInteger(x) || x < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${String(v[name])}"`);
    return x;
  };
  const num = (name: keyof typeof v): number => {
    const x = Number(v[name]);
    if (!Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got "${String(v[name])}"`);
    return x;
  };
  const optional = <T>(name: keyof typeof v, read: (name: keyof typeof v) => T): T | undefined => (v[name] !== undefined ? read(name) : undefined);
  let model: Arch | undefined;
  if (v.model !== undefined) model = ARCHS[v.model] ?? fail(`--model must be pixelcnn, row or diagonal (got "${v.model}")`);
  if (v.data !== undefined && v.data !== 'mnist' && v.data !== 'emoji32' && v.data !== 'emoji64') fail(`unknown dataset "${v.data}"`);
  if (v.optimizer !== 'adam' && v.optimizer !== 'rmsprop') fail('--optimizer must be rmsprop or adam');
  if (v.schedule !== 'constant' && v.schedule !== 'cosine') fail('--schedule must be constant or cosine');
  return {
    model,
    data: v.data as TrainCliOptions['data'],
    preset: v.preset,
    layers: optional('layers', (n) => int(n)),
    hidden: optional('hidden', (n) => int(n, 1)),
    head: optional('head', (n) => int(n, 1)),
    steps: int('steps', 1),
    batch: int('batch', 1),
    optimizer: v.optimizer,
    lr: num('lr'),
    schedule: v.schedule,
    warmup: int('warmup'),
    minLrFactor: num('min-lr-factor'),
    clip: num('clip'),
    seed: int('seed'),
    timeLimitMin: optional('time-limit', num),
    evalEvery: int('eval-every'),
    validLimit: optional('valid-limit', (n) => int(n)),
    checkpointEvery: int('checkpoint-every'),
    out: v.out,
    resume: v.resume!,
    backend: v.backend!,
    quiet: v.quiet!,
    command: ['train', ...argv].join(' '),
  };
}

function fail(msg: string): never {
  throw new UsageError(msg);
}

/** What is trained: kept in the card (`training`), so that --resume needs only --out. */
interface Setup {
  presetName: string;
  dataName: string;
  batch: number;
  seed: number;
  commands: string[];
  /** Validation images (0: all): kept so a resumed run reports comparable numbers. */
  validLimit: number;
}

const modules = async () => ({
  ...(await import('../src/core/models/presets')),
  ...(await import('../src/core/models/pixelModel')),
  ...(await import('../src/core/models/config')),
  ...(await import('../src/core/io/artifacts')),
  ...(await import('../src/core/io/card')),
  ...(await import('../src/core/train/index')),
  ...(await import('./lib/fileIO')),
  ...(await import('./lib/nodeData')),
});
type Modules = Awaited<ReturnType<typeof modules>>;
type Trainer = import('../src/core/train/index').Trainer;
type TrainEvent = import('../src/core/train/index').TrainEvent;
type ModelCard = import('../src/core/io/artifacts').ModelCard;
type ModelArtifacts = import('@tensorflow/tfjs').io.ModelArtifacts;

/** 1) What to train: from the checkpoint when resuming, else from the command line. */
/** The class names of a class-conditional config from its dataset's manifest (undefined for other models). */
function classNamesFor(config: { classes?: number }, dataset: { name: string; classNames: string[] | null }): string[] | undefined {
  if (!config.classes) return undefined;
  if (!dataset.classNames) fail(`the model is class-conditional but ${dataset.name} has no labels (rebuild it: npm run build:data)`);
  if (dataset.classNames.length !== config.classes) fail(`the model has ${config.classes} classes, ${dataset.name} has ${dataset.classNames.length}`);
  return dataset.classNames;
}

async function prepare(o: TrainCliOptions, m: Modules): Promise<{ trainer: Trainer; setup: Setup; outDir: string; classNames?: string[] }> {
  if (o.resume) {
    if (!o.out) fail('--resume needs --out DIR (the folder of the run to continue)');
    const ckDir = path.join(o.out, 'checkpoint');
    const ck = await m.loadCheckpoint(m.fileHandler(ckDir, { versionedWeights: true })).catch((e: Error) => fail(`cannot resume: ${e.message}`));
    const card = m.parseCard((ck.userDefinedMetadata as { card?: unknown } | undefined)?.card, ckDir);
    if (!card.training) fail(`${ckDir} has no training setup in its card`);
    const setup: Setup = { ...card.training, commands: [...card.training.commands, o.command] };
    setup.validLimit = o.validLimit ?? setup.validLimit ?? 1000;
    const dataset = await m.loadDatasetFromDisk(setup.dataName, ['train', 'val']);
    const trainer = await m.Trainer.restore(ck, {
      train: m.datasetSource(dataset, 'train', { batchSize: setup.batch, seed: setup.seed }),
      valid: m.evalSet(dataset, 'val', setup.validLimit || undefined),
    });
    console.error(`Resuming ${setup.presetName} on ${setup.dataName} at step ${trainer.stepCount} (${m.formatDuration(trainer.elapsedSec)} trained so far)`);
    const classNames = classNamesFor(trainer.model.config, dataset);
    return { trainer, setup, outDir: o.out, ...(classNames ? { classNames } : {}) };
  }
  const dataName = o.data ?? fail('--data is required (mnist or emoji32)');
  let presetName = o.preset;
  if (!presetName) {
    const arch = o.model ?? fail('--model must be pixelcnn, row or diagonal (got "")');
    presetName = `small-${dataName === 'mnist' ? 'mnist' : 'emoji'}-${arch}`;
  }
  if (!(presetName in m.presets)) fail(`unknown preset "${presetName}": ${Object.keys(m.presets).join(', ')}`);
  const overrides: Record<string, number | string> = { seed: o.seed };
  if (o.model) overrides.arch = o.model;
  if (o.layers !== undefined) overrides.layers = o.layers;
  if (o.hidden !== undefined) overrides.hidden = o.hidden;
  if (o.head !== undefined) overrides.headWidth = o.head;
  const config = m.preset(presetName as keyof typeof m.presets, overrides);
  const dataset = await m.loadDatasetFromDisk(dataName, ['train', 'val']);
  const [h, w, c] = dataset.shape;
  if (config.height !== h || config.width !== w || config.channels !== c || (config.output === 'binary') !== (dataset.kind === 'binary'))
    fail(`preset ${presetName} models ${config.height}×${config.width}×${config.channels} ${config.output} images; ${dataName} has ${h}×${w}×${c} ${dataset.kind}`);
  const classNames = classNamesFor(config, dataset);
  const outDir = o.out ?? path.join('runs', presetName);
  const exists = await fs.access(path.join(outDir, 'checkpoint', 'model.json')).then(
    () => true,
    () => false,
  );
  if (exists) fail(`${outDir} already holds a checkpoint: add --resume to continue it, or choose another --out`);
  const setup: Setup = { presetName, dataName, batch: o.batch, seed: o.seed, commands: [o.command], validLimit: o.validLimit ?? 1000 };
  const schedule =
    o.schedule === 'cosine'
      ? { kind: 'cosine' as const, warmupSteps: o.warmup, totalSteps: o.steps, minFactor: o.minLrFactor }
      : o.warmup > 0
        ? { kind: 'warmup' as const, warmupSteps: o.warmup }
        : { kind: 'constant' as const };
  const trainer = new m.Trainer(
    m.createModel(config),
    { train: m.datasetSource(dataset, 'train', { batchSize: setup.batch, seed: o.seed }), valid: m.evalSet(dataset, 'val', setup.validLimit || undefined) },
    { optimizer: o.optimizer, lr: o.lr, schedule, clipNorm: o.clip },
  );
  return { trainer, setup, outDir, ...(classNames ? { classNames } : {}) };
}

/** 2) The events log, the card, and saving the checkpoint and the model together. */
function outputs(trainer: Trainer, setup: Setup, outDir: string, hardware: Awaited<ReturnType<Modules['hardwareInfo']>>, m: Modules, classNames?: string[]) {
  const model = trainer.model;
  const config = model.config;
  const paramCount = model.params.count();
  const eventsPath = path.join(outDir, 'events.jsonl');
  let pending: string[] = [];
  const flushEvents = async () => {
    if (pending.length) await fs.appendFile(eventsPath, pending.join(''));
    pending = [];
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
    ...(classNames ? { classes: { count: classNames.length, names: classNames, none: classNames.length, labelDropout: m.LABEL_DROPOUT, source: `classNames and labels of the ${setup.dataName} manifest` } } : {}),
  });
  const checkpointDir = () => m.fileHandler(path.join(outDir, 'checkpoint'), { versionedWeights: true });
  const saveAll = async (checkpoint?: ModelArtifacts) => {
    const c = card();
    if (checkpoint) await checkpointDir().save!(checkpoint);
    else await m.saveCheckpoint(trainer, checkpointDir(), c);
    await m.saveModel(model, m.fileHandler(outDir), c);
    await flushEvents();
  };
  return { card, saveAll, flushEvents, log: (line: string) => pending.push(line), paramCount };
}

/** 3) Progress: a bar on a terminal (cli-progress), log lines otherwise. */
async function progress(trainer: Trainer, target: number, quiet: boolean, log: (line: string) => void) {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const { formatDuration } = await import('./lib/nodeData');
  const isRgb = trainer.model.config.output !== 'binary';
  const fmtNll = (nats: number, bpd: number) => (isRgb ? `${bpd.toFixed(3)} bits/dim` : `${nats.toFixed(2)} nats`);
  const bar = quiet
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
      if (e.step % 10 === 0) log(`${JSON.stringify({ t: e.type, step: e.step, loss: e.loss, bpd: e.bitsPerDim, gn: e.gradNorm, lr: e.lr, ips: e.imagesPerSec })}\n`);
    } else if (e.type === 'skip') {
      log(`${JSON.stringify(e)}\n`);
      if (!bar) console.error(`step ${e.step}: skipped (${e.reason})`);
    } else if (e.type === 'eval') {
      valText = fmtNll(e.nats, e.bitsPerDim);
      bar?.update({ val: valText });
      log(`${JSON.stringify(e)}\n`);
      if (!bar) console.error(`step ${e.step}: validation ${valText} (${e.images} images, ${e.seconds.toFixed(1)} s)`);
    }
  };
  bar?.start(target, trainer.stepCount, { loss: '–', ips: '–', eta2: '?', val: valText });
  return { onEvent, stop: () => bar?.stop(), fmtNll };
}

async function main(o: TrainCliOptions): Promise<void> {
  const wallStart = performance.now();
  const backend = await setupNodeBackend(o.backend);
  const m = await modules();
  const hardware = await m.hardwareInfo();
  const { trainer, setup, outDir, classNames } = await prepare(o, m);
  const config = trainer.model.config;
  await fs.mkdir(outDir, { recursive: true });
  const out = outputs(trainer, setup, outDir, hardware, m, classNames);
  const bar = await progress(trainer, o.steps, o.quiet, out.log);

  // Ctrl-C stops cleanly (evaluates, saves); a second one quits at once.
  const ctl = new AbortController();
  process.on('SIGINT', () => {
    if (ctl.signal.aborted) process.exit(130);
    ctl.abort();
  });

  let result: Awaited<ReturnType<Trainer['run']>>;
  try {
    result = await trainer.run({
      untilStep: o.steps,
      signal: ctl.signal,
      onEvent: bar.onEvent,
      evalEvery: o.evalEvery,
      evalAtEnd: true,
      checkpointEvery: o.checkpointEvery,
      onCheckpoint: (ck) => out.saveAll(ck),
      card: out.card,
      // The budget counts from the start of the command (data loading included); the final evaluation and save come after.
      timeLimitSec: o.timeLimitMin !== undefined ? Math.max(0, o.timeLimitMin * 60 - (performance.now() - wallStart) / 1000) : undefined,
    });
  } catch (e) {
    bar.stop();
    await out.flushEvents();
    console.error(`train: ${(e as Error).message}. The last checkpoint in ${outDir}/checkpoint is unaffected.`);
    process.exit(1);
  }
  if (result.reason === 'aborted' && trainer.data.valid && trainer.lastEval?.step !== trainer.stepCount) await trainer.evaluate();
  if (result.reason === 'aborted' || o.checkpointEvery === 0) await out.saveAll();
  else await m.saveModel(trainer.model, m.fileHandler(outDir), out.card()); // the card now has the final evaluation
  bar.stop();
  await out.flushEvents();

  // 4) The report.
  const last = trainer.lastEval;
  const isRgb = config.output !== 'binary';
  const report = {
    command: o.command,
    commands: setup.commands,
    preset: setup.presetName,
    config,
    parameters: out.paramCount,
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
    dims: m.dims(config),
  };
  await fs.writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  console.error(`Saved ${outDir}/model.json (${out.paramCount} parameters, ${trainer.stepCount} steps); validation ${last ? bar.fmtNll(last.nats, last.bitsPerDim) : 'not run'}`);
  console.log(JSON.stringify(report));
  trainer.dispose({ model: true });
  process.exit(0);
}

try {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(HELP);
    process.exit(0);
  }
  await main(options);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`train: ${e.message}\n\n${HELP}`);
  process.exit(2);
}
