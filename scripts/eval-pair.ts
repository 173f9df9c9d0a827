/**
 * Evaluates a Multi-Scale PixelRNN pair (SPEC.md §3, issue 12) on a split of the large images: an unconditional
 * small model and a conditional large model, each a saved folder (model.json + weights.bin).
 *
 *   npm run eval:pair -- <small model dir> <large model dir> [--split test] [--data emoji64] [--limit N] [--batch 8] [--backend wasm]
 *
 * For each large image x: −log p(box(x)) − log p(x | box(x)), box(x) the 2×2 box mean rounded half up (the
 * pair's small image; src/core/models/multiScale.ts). This is a valid code length for x, since box(x) is a
 * function of x, so its bits per dimension of the n×n image compare with an unconditional n×n model's and with
 * PNG/WebP (`npm run baselines -- --data emoji64`). Prints the total and both terms, then one JSON line.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP = 'Usage: eval:pair <small dir> <large dir> [--split test] [--data emoji64] [--limit N] [--batch 8] [--backend cpu|wasm|webgpu]';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: 'string', default: 'test' },
    data: { type: 'string' },
    limit: { type: 'string' },
    batch: { type: 'string', default: '8' },
    backend: { type: 'string', default: 'wasm' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
function fail(msg: string): never {
  console.error(`eval:pair: ${msg}\n${HELP}`);
  process.exit(2);
}
const [smallDir, largeDir] = positionals.length === 2 ? positionals : fail('give the folders of the small and the large model');
const split = args.split as 'train' | 'val' | 'test';
if (!['train', 'val', 'test'].includes(split)) fail('--split must be train, val or test');
const limit = args.limit !== undefined ? Number(args.limit) : undefined;
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) fail('--limit must be a positive integer');
const batch = Number(args.batch);
if (!(Number.isInteger(batch) && batch > 0)) fail('--batch must be a positive integer');

const backend = await setupNodeBackend(args.backend!);
const tf = await import('@tensorflow/tfjs');
const { loadModel } = await import('../src/core/io/artifacts');
const { MultiScaleModel } = await import('../src/core/models/multiScale');
const { fileHandler } = await import('./lib/fileIO');
const { hardwareInfo, loadDatasetFromDisk } = await import('./lib/nodeData');

const load = (dir: string) => loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
const [small, large] = await Promise.all([load(smallDir), load(largeDir)]);
let pair: InstanceType<typeof MultiScaleModel>;
try {
  pair = new MultiScaleModel(small.model, large.model);
} catch (e) {
  fail((e as Error).message);
}
const c = pair.large.config;
const dataName = args.data ?? (c.height === 64 && c.channels === 3 ? 'emoji64' : fail('cannot tell the dataset: pass --data'));
const dataset = await loadDatasetFromDisk(dataName, [split]);
const [h, w, ch] = dataset.shape;
if (h !== c.height || w !== c.width || ch !== c.channels) fail(`${dataName} has ${h}×${w}×${ch} images; the large model is ${c.height}×${c.width}×${c.channels}`);
if (dataset.kind !== 'rgb') fail('a multi-scale pair is evaluated on RGB images');
const count = Math.min(dataset.count(split), limit ?? Infinity);
const images = dataset.images(split);
const imageSize = h * w * ch;

// 1) per batch: both terms in nats per image, summed in float64
const t0 = performance.now();
let natsSmall = 0;
let natsLarge = 0;
for (let i = 0; i < count; i += batch) {
  const n = Math.min(batch, count - i);
  const x = tf.tensor4d(images.subarray(i * imageSize, (i + n) * imageSize), [n, h, w, ch], 'int32').toFloat() as import('@tensorflow/tfjs').Tensor4D;
  const parts = pair.nllParts(x);
  const [a, b] = await Promise.all([parts.small.data(), parts.large.data()]);
  for (let j = 0; j < n; j++) [natsSmall, natsLarge] = [natsSmall + a[j]!, natsLarge + b[j]!];
  tf.dispose([x, parts.small, parts.large]);
  process.stderr.write(`${i + n}/${count} images\n`);
}
const seconds = (performance.now() - t0) / 1000;

// 2) bits per dimension of the large image; each term also over its own image
const dims = h * w * ch;
const smallDims = pair.small.config.height * pair.small.config.width * ch;
const bpd = (nats: number, d: number) => nats / count / (d * Math.LN2);
const result = {
  small: smallDir,
  large: largeDir,
  dataset: dataName,
  split,
  images: count,
  natsPerImage: (natsSmall + natsLarge) / count,
  bitsPerDim: bpd(natsSmall + natsLarge, dims),
  terms: {
    small: { natsPerImage: natsSmall / count, bitsPerDimOfLarge: bpd(natsSmall, dims), bitsPerDimOfSmall: bpd(natsSmall, smallDims) },
    largeGivenSmall: { natsPerImage: natsLarge / count, bitsPerDimOfLarge: bpd(natsLarge, dims) },
  },
  seconds: Math.round(seconds * 100) / 100,
  backend,
  hardware: await hardwareInfo(),
};
console.log(
  `${dataName} ${split} (${count} images, ${h}×${w}): ${result.bitsPerDim.toFixed(4)} bits/dim = ` +
    `${result.terms.small.bitsPerDimOfLarge.toFixed(4)} (small, ${result.terms.small.bitsPerDimOfSmall.toFixed(4)} bits/dim of the ${pair.small.config.height}×${pair.small.config.width}) + ` +
    `${result.terms.largeGivenSmall.bitsPerDimOfLarge.toFixed(4)} (large | small)`,
);
console.log(JSON.stringify(result));
pair.dispose();
process.exit(0);
