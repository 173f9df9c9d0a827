/**
 * Ships a trained model: evaluates it on the test split with scripts/eval.ts, writes the figures into its
 * model card, copies model.json + weights.bin to public/models/<id>/ and lists it in
 * public/models/index.json (what the app reads). For Emoji-32 the card also gets the bits/dim of PNG and
 * WebP-lossless on the same test images (scripts/codec-baselines.ts, cached in
 * public/models/emoji32-codec-baselines.json).
 *
 *   npx tsx scripts/ship.ts --run runs/mnist-pixelcnn --id mnist-pixelcnn [--limit N] [--backend wasm] [--batch B]
 *   (--batch: images per forward pass of the test evaluation; larger batches amortise the recurrent models'
 *   per-op cost, the figure is the same)
 *   npx tsx scripts/ship.ts --table      (prints the README's table of shipped models from their cards)
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCard, type ModelCard } from '../src/core/io/card';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    id: { type: 'string' },
    title: { type: 'string' },
    limit: { type: 'string' },
    batch: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    table: { type: 'boolean', default: false },
    // Only (re)compute the small check subset of an already shipped model (--run public/models/<id>).
    'check-only': { type: 'boolean', default: false },
  },
});

const MODELS = 'public/models';
/** Test images of the check subset: small, so the unit test that re-evaluates it stays fast on the cpu backend. */
const CHECK_IMAGES = 16;
const INDEX = join(MODELS, 'index.json');
const ARCH_TITLE: Record<string, string> = { pixelcnn: 'PixelCNN', rowlstm: 'Row LSTM', diagonal: 'Diagonal BiLSTM', gated: 'Gated PixelCNN' };
const DATASET_TITLE: Record<string, string> = { mnist: 'binarized MNIST', emoji32: 'Emoji-32', emoji64: 'Emoji-64' };

interface Entry {
  id: string;
  dataset: string;
  arch: string;
  path: string;
  title: string;
}
interface Index {
  format: 'pixelrnn-lab-models/1';
  models: Entry[];
}

async function readIndex(): Promise<Index> {
  if (!existsSync(INDEX)) return { format: 'pixelrnn-lab-models/1', models: [] };
  return JSON.parse(await readFile(INDEX, 'utf8')) as Index;
}

/** Runs a project script and returns the JSON object on its last line of output. */
function lastJson(args: string[]): EvalOutput {
  const out = execFileSync('npx', ['tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as EvalOutput;
}

/** The figures scripts/eval.ts prints as its last line (scripts/codec-baselines.ts prints its own object). */
interface EvalOutput {
  images: number;
  natsPerImage: number;
  bitsPerDim: number;
  seconds: number;
  /** Class-conditional models: natsPerImage is given the true classes; this, given none. */
  given?: string;
  unconditional?: { natsPerImage: number; bitsPerDim: number; given: string };
  classes?: string[];
}

/** A class-conditional model's two figures as the card keeps them (nothing for other models). */
function classFigures(r: EvalOutput) {
  return r.unconditional ? { given: r.given!, unconditional: { images: r.images, ...r.unconditional } } : {};
}

async function ship(run: string, id: string): Promise<void> {
  const json = JSON.parse(await readFile(join(run, 'model.json'), 'utf8'));
  const card: ModelCard = parseCard(json.userDefinedMetadata?.card, join(run, 'model.json'));
  const config = json.modelTopology.config as { arch: string; output: string; classes?: number };
  const dataset = card.dataset?.name ?? (config.output === 'binary' ? 'mnist' : 'emoji32');

  // 0) a small subset the unit tests re-evaluate (test/train/shipped.test.ts): the card's figures must be
  //    reproducible by anyone with `npm run eval`
  const checkArgs = ['scripts/eval.ts', run, '--split', 'test', '--limit', String(CHECK_IMAGES), '--backend', 'cpu'];
  const check = lastJson(checkArgs);
  card.check = { split: 'test', images: check.images, natsPerImage: check.natsPerImage, ...classFigures(check), command: `npm run eval -- public/models/${id} ${checkArgs.slice(2).join(' ')}` };
  if (values['check-only']) {
    json.userDefinedMetadata = { ...json.userDefinedMetadata, card };
    await writeFile(join(run, 'model.json'), JSON.stringify(json, null, 1) + '\n');
    return;
  }

  // 1) test NLL, measured by the project's eval command
  const evalArgs = ['scripts/eval.ts', run, '--split', 'test', '--backend', values.backend!, ...(values.limit ? ['--limit', values.limit] : []), ...(values.batch ? ['--batch', values.batch] : [])];
  console.log(`$ npm run eval -- ${evalArgs.slice(1).join(' ')}`);
  const test = lastJson(evalArgs);
  card.test = {
    split: 'test',
    images: test.images,
    natsPerImage: test.natsPerImage,
    bitsPerDim: test.bitsPerDim,
    ...classFigures(test),
    seconds: test.seconds,
    command: `npm run eval -- public/models/${id} ${evalArgs.slice(2).join(' ')}`,
  };
  if (test.classes) {
    const names = test.classes;
    if (card.classes && JSON.stringify(card.classes.names) !== JSON.stringify(names))
      throw new Error(`ship: the card's class names (${card.classes.names.join(', ')}) are not the dataset's (${names.join(', ')})`);
    card.classes = { ...card.classes, count: names.length, names };
  }
  card.testNll = test.natsPerImage;
  card.testBitsPerDim = test.bitsPerDim;
  card.bitsPerDim = test.bitsPerDim;
  if (dataset === 'mnist')
    card.paperComparison =
      "The paper's test NLLs (PixelCNN 81.30, Row LSTM 80.54, Diagonal BiLSTM 79.20 nats) are on Larochelle's fixed binarisation, which is not obtainable here; this test split is MNIST's own test set with one fixed Bernoulli draw (seed in public/data/mnist/manifest.json).";

  // 2) lossless codecs on the same test images, for the colour datasets
  if (dataset !== 'mnist') {
    const cache = join(MODELS, `${dataset}-codec-baselines.json`);
    const args = dataset === 'emoji32' ? [] : ['--data', dataset];
    if (!existsSync(cache)) await writeFile(cache, JSON.stringify(lastJson(['scripts/codec-baselines.ts', ...args]), null, 1) + '\n');
    card.codecBaselines = { ...(JSON.parse(await readFile(cache, 'utf8')) as object), command: ['npm run baselines', ...(args.length ? ['--', ...args] : [])].join(' ') };
  }

  // 3) the model folder the app serves, and its entry in the index
  json.userDefinedMetadata = { ...json.userDefinedMetadata, card };
  const dir = join(MODELS, id);
  await mkdir(dir, { recursive: true });
  await copyFile(join(run, 'weights.bin'), join(dir, 'weights.bin'));
  await writeFile(join(dir, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  const index = await readIndex();
  const entry: Entry = {
    id,
    dataset,
    arch: config.arch,
    path: `${id}/model.json`,
    title: values.title ?? `${ARCH_TITLE[config.arch] ?? config.arch}${config.classes ? ' (class-conditional)' : ''} · ${DATASET_TITLE[dataset] ?? dataset}`,
  };
  index.models = [...index.models.filter((m) => m.id !== id), entry].sort((a, b) => a.id.localeCompare(b.id));
  await writeFile(INDEX, JSON.stringify(index, null, 1) + '\n');
  console.log(`shipped ${dir}: test ${dataset === 'mnist' ? `${(test.natsPerImage as number).toFixed(2)} nats` : `${(test.bitsPerDim as number).toFixed(3)} bits/dim`} on ${test.images} images`);
}

async function table(): Promise<void> {
  const index = await readIndex();
  console.log('| model | parameters | steps | train time | CPU-hours | trainer, hardware | test NLL | test images |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const m of index.models) {
    const card = JSON.parse(await readFile(join(MODELS, m.path), 'utf8')).userDefinedMetadata.card;
    const t = card.test;
    const fmt = (e: { natsPerImage: number; bitsPerDim: number }) => (m.dataset === 'mnist' ? `${e.natsPerImage.toFixed(2)} nats` : `${e.bitsPerDim.toFixed(3)} bits/dim`);
    const nll = t.unconditional ? `${fmt(t)} given the class, ${fmt(t.unconditional)} given none` : fmt(t);
    const hw = `${card.hardware?.backend ?? '?'}, ${card.hardware?.cores ?? '?'} cores`;
    // A run started with --init: its card's curve continues the earlier training's, so the last point holds the
    // weights' totals; the table shows "earlier + this run".
    const last = (card.curve as Array<{ step: number; wallHours: number; cpuHours: number }> | undefined)?.at(-1);
    const chained = card.initializedFrom && last && last.step > card.steps;
    const split = (total: number, own: number, f: (x: number) => string) => (chained ? `${f(total - own)} + ${f(own)}` : f(own));
    const minutes = (sec: number) => `${Math.round(sec / 60)}`;
    const hours = (sec: number) => (sec / 3600).toFixed(2);
    const steps = split(last?.step ?? card.steps, card.steps, String);
    const time = `${split((last?.wallHours ?? 0) * 3600, card.trainSeconds ?? 0, minutes)} min`;
    const cpuHours = card.cpuSeconds ? split((last?.cpuHours ?? 0) * 3600, card.cpuSeconds, hours) : 'not recorded';
    console.log(`| ${m.title} | ${card.parameters} | ${steps} | ${time} | ${cpuHours} | ${hw} | ${nll} | ${t.images} |`);
  }
}

if (values.table) await table();
else {
  if (!values.run || !values.id) throw new Error('ship: give --run DIR and --id ID (or --table)');
  await ship(values.run, values.id);
}
