/**
 * Ships a trained Multi-Scale PixelRNN pair for Emoji-64 (issue 12): evaluates it with scripts/eval-pair.ts on
 * the test split (−log p(box(x)) − log p(x | box(x)) in bits/dim of the 64×64 image), writes the figures into
 * the large model's card (the card the app shows for the pair) with PNG and WebP-lossless on the same test
 * images (public/models/emoji64-codec-baselines.json, made by `npm run baselines -- --data emoji64` if missing),
 * copies both models to <models>/<id>-small and <models>/<id>-large, and lists the pair in <models>/index.json
 * as one entry with "arch": "multiscale" and its "small" model.
 *
 * With --compare DIR (a shipped unconditional model of the same 64×64 images, e.g. public/models/emoji64-pixelcnn),
 * the card also records that model's test figure, size and training time beside the pair's (issue 12's comparison).
 *
 *   npx tsx scripts/ship-pair.ts --small runs/ms-small --large runs/ms-large --id emoji64-multiscale [--compare DIR] [--limit N] [--backend wasm] [--models public/models]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCard, type ModelCard } from '../src/core/io/card';

const { values } = parseArgs({
  options: {
    small: { type: 'string' },
    large: { type: 'string' },
    id: { type: 'string' },
    title: { type: 'string', default: 'Multi-Scale PixelRNN · Emoji-64' },
    limit: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    models: { type: 'string', default: 'public/models' },
    compare: { type: 'string' },
  },
});
if (!values.small || !values.large || !values.id) throw new Error('ship-pair: give --small DIR --large DIR --id ID');
const { small, large, id, models } = values as Required<typeof values>;
/** Test images of the check subset the unit tests re-evaluate (test/train/shipped.test.ts). */
const CHECK_IMAGES = 8;

interface PairOutput {
  images: number;
  natsPerImage: number;
  bitsPerDim: number;
  seconds: number;
  terms: { small: { natsPerImage: number; bitsPerDimOfSmall: number }; largeGivenSmall: { natsPerImage: number; bitsPerDimOfLarge: number } };
}

/** Runs a project script and returns the JSON object on its last line of output. */
function lastJson<T>(args: string[]): T {
  const out = execFileSync('npx', ['tsx', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

const readDoc = async (dir: string) => JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata?: { card?: unknown } };
const [smallDoc, largeDoc] = await Promise.all([readDoc(small), readDoc(large)]);
const smallCard: ModelCard = parseCard(smallDoc.userDefinedMetadata?.card, join(small, 'model.json'));
const card: ModelCard = parseCard(largeDoc.userDefinedMetadata?.card, join(large, 'model.json'));
const shipped = (half: 'small' | 'large') => `${models}/${id}-${half}`;
const evalCommand = (args: string[]) => `npm run eval:pair -- ${shipped('small')} ${shipped('large')} ${args.join(' ')}`;

// 1) the check subset (cpu, a few images) and the test figure, measured by the project's eval:pair command
const checkArgs = ['--split', 'test', '--limit', String(CHECK_IMAGES), '--backend', 'cpu'];
const check = lastJson<PairOutput>(['scripts/eval-pair.ts', small, large, ...checkArgs]);
const testArgs = ['--split', 'test', '--backend', values.backend!, ...(values.limit ? ['--limit', values.limit] : [])];
console.log(`$ npm run eval:pair -- ${small} ${large} ${testArgs.join(' ')}`);
const test = lastJson<PairOutput>(['scripts/eval-pair.ts', small, large, ...testArgs]);

// 2) the pair's card (on the large model: the app shows it for the pair), and the small model's own
card.check = { split: 'test', images: check.images, natsPerImage: check.natsPerImage, command: evalCommand(checkArgs) };
card.test = { split: 'test', images: test.images, natsPerImage: test.natsPerImage, bitsPerDim: test.bitsPerDim, seconds: test.seconds, command: evalCommand(testArgs) };
card.testNll = test.natsPerImage;
card.testBitsPerDim = card.bitsPerDim = test.bitsPerDim;
card.multiScale = {
  small: `${id}-small`,
  note: 'test figures are of the pair: −log p(box(x)) − log p(x | box(x)), a valid code length for x since box(x), the 2×2 box mean rounded half up, is a function of x; bits/dim of the 64×64 image',
  terms: test.terms,
  smallTrainSeconds: smallCard.trainSeconds,
  smallCpuSeconds: smallCard.cpuSeconds,
  smallSteps: smallCard.steps,
  smallCommands: smallCard.commands,
};
const baselines = join(models, 'emoji64-codec-baselines.json');
if (!existsSync(baselines)) await writeFile(baselines, JSON.stringify(lastJson(['scripts/codec-baselines.ts', '--data', 'emoji64']), null, 1) + '\n');
card.codecBaselines = { ...(JSON.parse(await readFile(baselines, 'utf8')) as object), command: 'npm run baselines -- --data emoji64' };
if (values.compare) card.comparison = await comparison(values.compare);
smallCard.multiScale = { large: `${id}-large`, note: `the small half of the pair ${id}: its test figures are on the large model's card` };

// 3) both folders, and one index entry for the pair
for (const [half, dir, doc, c] of [['small', small, smallDoc, smallCard], ['large', large, largeDoc, card]] as const) {
  doc.userDefinedMetadata = { ...doc.userDefinedMetadata, card: c };
  await mkdir(shipped(half), { recursive: true });
  await copyFile(join(dir, 'weights.bin'), join(shipped(half), 'weights.bin'));
  await writeFile(join(shipped(half), 'model.json'), JSON.stringify(doc, null, 1) + '\n');
}
const indexPath = join(models, 'index.json');
const index = existsSync(indexPath) ? (JSON.parse(await readFile(indexPath, 'utf8')) as { format: string; models: Array<{ id: string }> }) : { format: 'pixelrnn-lab-models/1', models: [] };
const entry = { id, dataset: 'emoji64', arch: 'multiscale', path: `${id}-large/model.json`, small: `${id}-small/model.json`, title: values.title };
index.models = [...index.models.filter((m) => m.id !== id), entry].sort((a, b) => a.id.localeCompare(b.id));
await writeFile(indexPath, JSON.stringify(index, null, 1) + '\n');
console.log(`shipped ${shipped('small')} + ${shipped('large')}: test ${test.bitsPerDim.toFixed(3)} bits/dim on ${test.images} images of 64×64`);

/**
 * An unconditional model of the same images, for the card: its test figure (which must be on the same test
 * split, every image) and what it cost, beside the large half's own training.
 */
async function comparison(dir: string): Promise<Record<string, unknown>> {
  const doc = (await readDoc(dir)) as Awaited<ReturnType<typeof readDoc>> & { modelTopology?: { config?: { height?: number; width?: number; condition?: unknown } } };
  const other = parseCard(doc.userDefinedMetadata?.card, join(dir, 'model.json'));
  const config = doc.modelTopology?.config;
  if (config?.condition || config?.height !== 64 || config?.width !== 64) throw new Error(`ship-pair: ${dir} is not an unconditional 64×64 model`);
  if (!other.test?.bitsPerDim || other.test.split !== 'test' || other.test.images !== test.images)
    throw new Error(`ship-pair: ${dir} has no test figure on all ${test.images} test images (ship it with scripts/ship.ts first)`);
  return {
    model: basename(dir),
    description: (other.architecture as { description?: string } | undefined)?.description,
    parameters: other.parameters,
    steps: other.steps,
    cpuSeconds: other.cpuSeconds,
    test: { split: 'test', images: other.test.images, bitsPerDim: other.test.bitsPerDim, natsPerImage: other.test.natsPerImage },
    pair: { bitsPerDim: test.bitsPerDim, largeHalfParameters: card.parameters, largeHalfSteps: card.steps, largeHalfCpuSeconds: card.cpuSeconds },
    note: 'An unconditional 64×64 model of the same images, trained on the same machine; the pair figure includes the small half, trained separately (its time is under multiScale).',
  };
}
