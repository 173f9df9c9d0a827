/**
 * Evaluates a saved model (a folder with model.json + weights.bin) on a split of its dataset.
 *
 *   npm run eval -- <model dir> [--split val|test] [--limit N] [--batch B] [--data mnist|emoji32] [--backend cpu|wasm|webgpu]
 *
 * Prints the NLL (nats per image for binary MNIST, bits per dimension for RGB) and, as its last line, one
 * JSON object with the figures. The dataset is the one named in the model card, else the one whose image
 * shape the model has; binary models are evaluated on the split's fixed binarisation.
 * A class-conditional model is evaluated twice: given each image's true class (natsPerImage, bitsPerDim)
 * and given none, its learned null class (unconditional: { natsPerImage, bitsPerDim }).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP = `Usage: eval <model dir> [--split test] [--limit N] [--batch 16] [--data mnist|emoji32] [--backend cpu|wasm|webgpu]`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: 'string', default: 'test' },
    limit: { type: 'string' },
    batch: { type: 'string', default: '16' },
    data: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
function fail(msg: string): never {
  console.error(`eval: ${msg}\n${HELP}`);
  process.exit(2);
}
const dir = positionals[0] ?? fail('give the folder of a saved model');
const split = args.split as 'train' | 'val' | 'test';
if (!['train', 'val', 'test'].includes(split)) fail(`--split must be train, val or test`);
const limit = args.limit !== undefined ? Number(args.limit) : undefined;
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) fail('--limit must be a positive integer');
const batch = Number(args.batch);
if (!(Number.isInteger(batch) && batch > 0)) fail('--batch must be a positive integer');

const backend = await setupNodeBackend(args.backend!);
const { loadModel } = await import('../src/core/io/artifacts');
const { evaluateNll, evalSet } = await import('../src/core/train/index');
const { fileHandler } = await import('./lib/fileIO');
const { hardwareInfo, loadDatasetFromDisk } = await import('./lib/nodeData');

const { model, card } = await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
const c = model.config;
if (c.condition) fail(`${dir} is the conditional half of a Multi-Scale PixelRNN: evaluate the pair with npm run eval:pair -- <small model dir> ${dir}`);
const cardData = card.dataset?.name;
const dataName = args.data ?? cardData ?? (c.output === 'binary' && c.height === 28 ? 'mnist' : c.channels === 3 && c.height === 32 ? 'emoji32' : fail('cannot tell the dataset: pass --data'));
const dataset = await loadDatasetFromDisk(dataName, [split]);
const set = evalSet(dataset, split, limit);
const isRgb = c.output !== 'binary';
const classes = c.classes;
if (classes && !set.labels) fail(`${dir} is class-conditional: ${dataName} has no labels (rebuild it: npm run build:data)`);
if (classes && dataset.classNames!.length !== classes) fail(`${dir} has ${classes} classes, ${dataName} has ${dataset.classNames!.length}`);
async function run(given?: 'labels' | 'none') {
  let lastPct = -1;
  const r = await evaluateNll(model, set, {
    batchSize: batch,
    ...(given ? { given } : {}),
    onProgress: (done, total) => {
      const pct = Math.floor((100 * done) / total);
      if (pct >= lastPct + 10 || done === total) {
        lastPct = pct;
        process.stderr.write(process.stderr.isTTY ? `\r${done}/${total} images` : `${done}/${total} images\n`);
      }
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const what = given === 'labels' ? ', given the class' : given === 'none' ? ', given none' : '';
  console.log(
    isRgb
      ? `${dataName} ${split} (${r.images} images${what}): ${r.bitsPerDim.toFixed(4)} bits/dim (${r.nats.toFixed(1)} nats/image)`
      : `${dataName} ${split} (${r.images} images${what}): ${r.nats.toFixed(3)} nats/image (${r.bitsPerDim.toFixed(4)} bits/dim)`,
  );
  return r;
}
const r = await run(classes ? 'labels' : undefined);
const none = classes ? await run('none') : undefined;
const hw = await hardwareInfo();
console.log(
  JSON.stringify({
    model: dir,
    arch: c.arch,
    dataset: dataName,
    split,
    images: r.images,
    natsPerImage: r.nats,
    bitsPerDim: r.bitsPerDim,
    ...(none
      ? {
          given: 'the true class of each image',
          unconditional: { natsPerImage: none.nats, bitsPerDim: none.bitsPerDim, given: 'none (the learned null class)' },
          classes: dataset.classNames,
        }
      : {}),
    seconds: Math.round((r.seconds + (none?.seconds ?? 0)) * 100) / 100,
    backend,
    hardware: hw,
  }),
);
model.dispose();
process.exit(0);
