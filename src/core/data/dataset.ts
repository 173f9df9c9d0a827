/**
 * A prepared dataset in memory, and its loader. The loader takes the byte fetcher from the caller
 * (`fetch` in a page or worker, `fs.readFile` in Node), so this file stays free of DOM and Node APIs.
 */

import { unpackBits } from './bits';
import {
  parseManifest,
  SPLITS,
  verifyBytes,
  type DatasetKind,
  type FileEntry,
  type Manifest,
  type Split,
} from './manifest';

export interface Dataset {
  name: string;
  kind: DatasetKind;
  /** [H, W, C] of one image. */
  shape: [number, number, number];
  /** Provenance, licence and file list; null for a dataset made in memory (e.g. uploaded images). */
  manifest: Manifest | null;
  /** Splits that hold images. */
  splits: Split[];
  count(split: Split): number;
  /** Stored pixels, uint8 [N, H, W, C] HWC: grey levels 0..255 for 'binary' datasets, RGB for 'rgb'. */
  images(split: Split): Uint8Array;
  /** The fixed binarisation as 0/1, [N, H, W, 1], for splits that have one (binarised MNIST val/test). */
  fixedBinary(split: Split): Uint8Array | null;
  /** Class names of a labelled dataset (null otherwise): label k means classNames[k]. */
  classNames: string[] | null;
  /** The class of each image, uint8 [N] in [0, classNames.length), or null for an unlabelled dataset. */
  labels(split: Split): Uint8Array | null;
}

/** Reads the file at `path` (a URL or a filesystem path, as the caller's fetcher understands it). */
export type FetchBytes = (path: string) => Promise<Uint8Array>;

export interface LoadOptions {
  /** Splits to load (default all): the page can skip MNIST's 39 MB training split. */
  splits?: readonly Split[];
}

/**
 * Loads `${base}/manifest.json` and the files of the requested splits, verifying each file's length and
 * checksum. Throws an Error naming the file when one is missing, truncated or stale.
 */
export async function loadDataset(fetchBytes: FetchBytes, base: string, options: LoadOptions = {}): Promise<Dataset> {
  const root = base.replace(/\/+$/, '');
  const manifestPath = `${root}/manifest.json`;
  const manifestText = new TextDecoder().decode(await fetchBytes(manifestPath));
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch (e) {
    throw new Error(`${manifestPath}: not valid JSON, missing? (build with npm run build:data): ${(e as Error).message}`);
  }
  const manifest = parseManifest(json);
  const [h, w, c] = manifest.shape;
  const wanted = options.splits ?? SPLITS;

  const fetchVerified = async (file: FileEntry): Promise<Uint8Array> => {
    const located = { ...file, path: `${root}/${file.path}` };
    const bytes = await fetchBytes(located.path);
    verifyBytes(bytes, located);
    return bytes;
  };

  const pixels: Partial<Record<Split, Uint8Array>> = {};
  const fixed: Partial<Record<Split, Uint8Array>> = {};
  const labels: Partial<Record<Split, Uint8Array>> = {};
  await Promise.all(
    wanted.map(async (split) => {
      const entry = manifest.splits[split];
      const imageBytes = entry.count * h * w * c;
      if (entry.files.pixels.byteLength !== imageBytes) {
        throw new Error(
          `${manifestPath}: ${split} pixels file has ${entry.files.pixels.byteLength} bytes, expected ${entry.count}×${h}×${w}×${c}`,
        );
      }
      pixels[split] = await fetchVerified(entry.files.pixels);
      if (entry.files.binarized) {
        fixed[split] = unpackBits(await fetchVerified(entry.files.binarized), entry.count * h * w);
      }
      if (entry.files.labels) labels[split] = await fetchVerified(entry.files.labels);
    }),
  );

  return createDataset({
    name: manifest.name,
    kind: manifest.kind,
    shape: manifest.shape,
    manifest,
    images: pixels,
    fixedBinary: fixed,
    ...(manifest.classNames ? { classNames: manifest.classNames, labels } : {}),
  });
}

export interface DatasetParts {
  name: string;
  kind: DatasetKind;
  shape: [number, number, number];
  manifest?: Manifest;
  /** uint8 [N, H, W, C] per split present. */
  images: Partial<Record<Split, Uint8Array>>;
  /** 0/1 [N, H, W, 1] per split that has a fixed binarisation. */
  fixedBinary?: Partial<Record<Split, Uint8Array>>;
  /** Class names of a labelled dataset; then `labels` holds uint8 [N] per split present. */
  classNames?: string[];
  labels?: Partial<Record<Split, Uint8Array>>;
}

/** A Dataset over arrays already in memory: what the loader returns, and how uploaded images become one. */
export function createDataset(parts: DatasetParts): Dataset {
  const [h, w, c] = parts.shape;
  const imageSize = h * w * c;
  const fixed = parts.fixedBinary ?? {};
  const splits = SPLITS.filter((s) => parts.images[s] !== undefined);
  for (const split of splits) {
    const n = parts.images[split]!.length / imageSize;
    if (!Number.isInteger(n)) {
      throw new Error(`dataset ${parts.name}: ${split} has ${parts.images[split]!.length} bytes, not a multiple of ${h}×${w}×${c}`);
    }
    const bits = fixed[split];
    if (bits !== undefined && bits.length !== n * h * w) {
      throw new Error(`dataset ${parts.name}: ${split} fixed binarisation has ${bits.length} values, expected ${n * h * w}`);
    }
    if (parts.classNames) {
      const y = parts.labels?.[split];
      if (y === undefined) throw new Error(`dataset ${parts.name}: ${split} has no labels`);
      if (y.length !== n) throw new Error(`dataset ${parts.name}: ${split} has ${y.length} labels for ${n} images`);
      const k = parts.classNames.length;
      const bad = y.findIndex((v) => v >= k);
      if (bad >= 0) throw new Error(`dataset ${parts.name}: ${split} label ${bad} is ${y[bad]}, not one of the ${k} classes`);
    }
  }
  const images = (split: Split): Uint8Array => {
    const v = parts.images[split];
    if (v === undefined) throw new Error(`dataset ${parts.name}: split "${split}" is not loaded`);
    return v;
  };
  return {
    name: parts.name,
    kind: parts.kind,
    shape: parts.shape,
    manifest: parts.manifest ?? null,
    splits,
    count: (split) => images(split).length / imageSize,
    images,
    fixedBinary: (split) => {
      images(split);
      return fixed[split] ?? null;
    },
    classNames: parts.classNames ?? null,
    labels: (split) => {
      images(split);
      return parts.classNames ? parts.labels![split]! : null;
    },
  };
}
