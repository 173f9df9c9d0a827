/**
 * The manifest that describes one prepared dataset folder (`public/data/<name>/manifest.json`): what the
 * images are, how many each split has, which files hold them (with length and checksum, so a loader can
 * tell a truncated or stale file from a good one), and where the images came from and under which licence.
 * Written by scripts/build-data.ts; read in the browser, in workers and in Node.
 */

import { checksumHex } from './checksum';

export const MANIFEST_FORMAT = 'pixelrnn-lab-dataset/1';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** 'binary': grey images modelled as 0/1 pixels (binarised MNIST); 'rgb': 256-way R, G, B sub-pixels. */
export type DatasetKind = 'binary' | 'rgb';

export interface FileEntry {
  /** Relative to the manifest's folder. */
  path: string;
  byteLength: number;
  /** FNV-1a 32-bit of the whole file, 8 hex digits (see checksum.ts). */
  fnv1a32: string;
}

export interface SplitEntry {
  count: number;
  files: {
    /** uint8 [count, H, W, C], HWC order: grey levels for 'binary' datasets, RGB for 'rgb'. */
    pixels: FileEntry;
    /** Fixed binarisation of `pixels`, bit-packed MSB first (bits.ts), count·H·W bits; 'binary' only. */
    binarized?: FileEntry;
    /** uint8 [count]: the class of each image, an index into the manifest's classNames (labelled datasets). */
    labels?: FileEntry;
  };
}

/** How the fixed binarised files were drawn, so anyone can redraw them bit for bit. */
export interface BinarizationInfo {
  prng: 'mulberry32';
  seed: number;
  /** Splits that have a `binarized` file, in the order their draws were taken from one stream. */
  splits: Split[];
  rule: string;
}

export interface SourceInfo {
  package: string;
  version: string;
  /** Images this source contributed (after skipping undecodable ones). */
  images: number;
  licence: string;
  attribution: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** Version of the build rules of this dataset (absent: 1). A build under older rules is rebuilt. */
  version?: number;
  kind: DatasetKind;
  /** [H, W, C] of one image. */
  shape: [number, number, number];
  splits: Record<Split, SplitEntry>;
  binarization?: BinarizationInfo;
  /**
   * Names of the classes of a labelled dataset (every split then has a `labels` file): MNIST's digits "0"…"9",
   * Emoji's categories from the emoji packages' metadata. A class-conditional model's class k is classNames[k].
   */
  classNames?: string[];
  /** How the labels were made (sources, folded categories). */
  labelling?: string;
  sources: SourceInfo[];
  /** How the images were made from the sources, and caveats (e.g. comparability with the paper). */
  notes: string[];
}

/** Validates parsed JSON as a Manifest, with an error naming the first bad field. */
export function parseManifest(json: unknown): Manifest {
  const m = asRecord(json, 'manifest');
  if (m.format !== MANIFEST_FORMAT) {
    throw new Error(`manifest: format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  }
  const name = asString(m.name, 'manifest.name');
  if (m.kind !== 'binary' && m.kind !== 'rgb') {
    throw new Error(`manifest ${name}: kind must be "binary" or "rgb", got ${JSON.stringify(m.kind)}`);
  }
  const kind: DatasetKind = m.kind;
  const shape = m.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => isCount(d) && d > 0)) {
    throw new Error(`manifest ${name}: shape must be [H, W, C] of positive integers`);
  }
  const channels = shape[2] as number;
  if (kind === 'binary' && channels !== 1) {
    throw new Error(`manifest ${name}: a binary dataset has 1 channel, not ${channels}`);
  }
  const splitsJson = asRecord(m.splits, `manifest ${name}: splits`);
  const splits = {} as Record<Split, SplitEntry>;
  for (const split of SPLITS) {
    splits[split] = parseSplit(splitsJson[split], `manifest ${name}: splits.${split}`);
  }
  let classNames: string[] | undefined;
  if (m.classNames !== undefined) {
    const names = m.classNames;
    if (!Array.isArray(names) || names.length < 2 || names.length > 255 || !names.every((n) => typeof n === 'string' && n !== '')) {
      throw new Error(`manifest ${name}: classNames must be 2 to 255 non-empty strings`);
    }
    if (new Set(names).size !== names.length) throw new Error(`manifest ${name}: classNames has a name twice`);
    classNames = names as string[];
  }
  for (const split of SPLITS) {
    const { labels } = splits[split].files;
    if ((labels !== undefined) !== (classNames !== undefined)) {
      throw new Error(`manifest ${name}: splits.${split} ${labels ? 'has labels but the manifest has no classNames' : 'has no labels file but the manifest has classNames'}`);
    }
    if (labels && labels.byteLength !== splits[split].count) {
      throw new Error(`manifest ${name}: splits.${split}.files.labels has ${labels.byteLength} bytes for ${splits[split].count} images`);
    }
  }
  if (!Array.isArray(m.sources)) throw new Error(`manifest ${name}: sources must be an array`);
  if (!Array.isArray(m.notes) || !m.notes.every((n) => typeof n === 'string')) {
    throw new Error(`manifest ${name}: notes must be an array of strings`);
  }
  return {
    format: MANIFEST_FORMAT,
    name,
    ...(isCount(m.version) ? { version: m.version } : {}),
    kind,
    shape: [shape[0], shape[1], channels],
    splits,
    ...(m.binarization === undefined ? {} : { binarization: m.binarization as BinarizationInfo }),
    ...(classNames ? { classNames } : {}),
    ...(typeof m.labelling === 'string' ? { labelling: m.labelling } : {}),
    sources: m.sources as SourceInfo[],
    notes: m.notes,
  };
}

/**
 * Throws unless `bytes` are exactly the file the manifest describes. The message names the file and says
 * whether it is short (an interrupted download or build) or differs (a stale file from another build).
 */
export function verifyBytes(bytes: Uint8Array, file: FileEntry): void {
  if (bytes.length !== file.byteLength) {
    const what = bytes.length < file.byteLength ? 'truncated' : 'too long';
    throw new Error(
      `${file.path}: ${what}: ${bytes.length} bytes, manifest says ${file.byteLength} (rebuild with npm run build:data)`,
    );
  }
  const sum = checksumHex(bytes);
  if (sum !== file.fnv1a32) {
    throw new Error(
      `${file.path}: checksum mismatch: FNV-1a ${sum}, manifest says ${file.fnv1a32} (rebuild with npm run build:data)`,
    );
  }
}

/** The manifest entry for `bytes` stored at `path`. */
export function fileEntry(path: string, bytes: Uint8Array): FileEntry {
  return { path, byteLength: bytes.length, fnv1a32: checksumHex(bytes) };
}

function parseSplit(json: unknown, where: string): SplitEntry {
  const s = asRecord(json, where);
  if (!isCount(s.count)) throw new Error(`${where}.count must be a non-negative integer`);
  const files = asRecord(s.files, `${where}.files`);
  const pixels = parseFile(files.pixels, `${where}.files.pixels`);
  return {
    count: s.count,
    files: {
      pixels,
      ...(files.binarized === undefined ? {} : { binarized: parseFile(files.binarized, `${where}.files.binarized`) }),
      ...(files.labels === undefined ? {} : { labels: parseFile(files.labels, `${where}.files.labels`) }),
    },
  };
}

function parseFile(json: unknown, where: string): FileEntry {
  const f = asRecord(json, where);
  const path = asString(f.path, `${where}.path`);
  if (!isCount(f.byteLength)) throw new Error(`${where}.byteLength must be a non-negative integer`);
  if (typeof f.fnv1a32 !== 'string' || !/^[0-9a-f]{8}$/.test(f.fnv1a32)) {
    throw new Error(`${where}.fnv1a32 must be 8 lower-case hex digits`);
  }
  return { path, byteLength: f.byteLength, fnv1a32: f.fnv1a32 };
}

function asRecord(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where} must be an object`);
  return v as Record<string, unknown>;
}

function asString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${where} must be a non-empty string`);
  return v;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
