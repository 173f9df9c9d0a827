/**
 * The model registry: shipped models listed in `models/index.json`, models fine-tuned or imported in this
 * browser (IndexedDB), and untrained presets (to fine-tune from scratch).
 *
 * models/index.json (written by the training scripts):
 *   { "format": "pixelrnn-lab-models/1",
 *     "models": [ { "id": "mnist-pixelcnn", "dataset": "mnist", "arch": "pixelcnn",
 *                   "path": "mnist-pixelcnn/model.json", "title": "PixelCNN, binarised MNIST" } ] }
 * `path` is relative to the models/ folder. A bare array of entries is accepted too.
 * A Multi-Scale PixelRNN pair is one entry with "arch": "multiscale", `path` its conditional large model and
 * `small` its unconditional small model, e.g. { "id": "emoji64-multiscale", "dataset": "emoji64",
 * "arch": "multiscale", "path": "emoji64-ms-large/model.json", "small": "emoji64-ms-small/model.json" }.
 */
import { cardScore, parseCard, type ModelCard } from '../core/io/card';
import { FORMAT, type SavedTopology } from '../core/io/topology';
import { validateConfig, type Arch, type ModelConfig } from '../core/models/config';
import { presets } from '../core/models/presets';
import type { LocalModel, ModelSource } from '../worker/protocol';

export const DATASETS = [
  { id: 'mnist', title: 'MNIST', blurb: 'handwritten digits, 28 × 28, black or white pixels' },
  { id: 'emoji32', title: 'Emoji-32', blurb: 'emoji, 32 × 32, full colour (256 values per R, G, B)' },
  { id: 'emoji64', title: 'Emoji-64', blurb: 'emoji, 64 × 64, full colour: drawn directly, or coarse to fine (32 × 32 first) by the Multi-Scale PixelRNN' },
] as const;
/**
 * A dataset that opens on one kind of model when one is shipped, whatever the cards rank: Emoji-64 is there to
 * show the paper's coarse-to-fine idea, and its shipped Multi-Scale pair draws whole emoji-like shapes where the
 * 64×64 PixelCNN, lower in bits/dim (★ best), draws mostly white with scattered strokes.
 */
const OPENS_ON: Partial<Record<string, PickerArch>> = { emoji64: 'multiscale' };
export type DatasetId = (typeof DATASETS)[number]['id'];
/** The page opens on this dataset's best model: colour images show what the models learned best. */
export const DEFAULT_DATASET: DatasetId = 'emoji32';

/** What the picker lists: the architectures, and the Multi-Scale PixelRNN (a pair of models, SPEC.md §3). */
export type PickerArch = Arch | 'multiscale';

export const ARCHS: ReadonlyArray<{ id: PickerArch; title: string; blurb: string }> = [
  { id: 'pixelcnn', title: 'PixelCNN', blurb: 'masked convolutions: fast to train, sees a limited neighbourhood' },
  { id: 'rowlstm', title: 'Row LSTM', blurb: 'an LSTM over rows: sees a triangle above each pixel' },
  { id: 'diagonal', title: 'Diagonal BiLSTM', blurb: 'LSTMs along diagonals: sees everything above and to the left' },
  { id: 'gated', title: 'Gated PixelCNN', blurb: 'a vertical and a horizontal stack with gated units: no blind spot, convolution speed' },
  { id: 'multiscale', title: 'Multi-Scale PixelRNN', blurb: 'two models: a small image first, then the large image given it' },
];

export interface ModelEntry {
  id: string;
  dataset: string;
  arch: PickerArch;
  title: string;
  kind: 'shipped' | 'local' | 'untrained';
  /** The model; for a Multi-Scale PixelRNN its conditional large half. */
  source: ModelSource;
  /** A Multi-Scale PixelRNN's unconditional small half. */
  small?: ModelSource;
  /** Test figures of a shipped model, read from its card (model.json → userDefinedMetadata.card). */
  test?: TestScore;
}

/** A model's test likelihood as its card states it: lower is better. */
export interface TestScore {
  bitsPerDim: number | null;
  nll: number | null;
}

/** The test figures of a card, or null when it has none (untrained, fine-tuned, malformed, or an old card). */
export function testScore(card: unknown): TestScore | null {
  let parsed: ModelCard;
  try {
    parsed = parseCard(card);
  } catch {
    return null; // loading the model says what is wrong with it
  }
  const score = cardScore(parsed);
  return score.kind === 'test' ? { bitsPerDim: score.bitsPerDim, nll: score.nll } : null;
}

/** The card of a model.json document (its userDefinedMetadata.card). */
export function cardOf(modelJson: unknown): unknown {
  return (modelJson as { userDefinedMetadata?: { card?: unknown } } | null)?.userDefinedMetadata?.card ?? null;
}

/**
 * The best model of a dataset (★ in the picker): the shipped model with the lowest test bits/dim on its card (test NLL
 * when no card of the dataset gives bits/dim; both order the same within a dataset), else the first
 * shipped one, else anything of the dataset.
 */
export function bestModel(models: ModelEntry[], dataset: string): ModelEntry | undefined {
  const mine = models.filter((m) => m.dataset === dataset);
  const shipped = mine.filter((m) => m.kind === 'shipped');
  const useBits = shipped.some((m) => m.test?.bitsPerDim != null);
  const value = (m: ModelEntry) => (useBits ? m.test?.bitsPerDim : m.test?.nll) ?? Infinity;
  const scored = shipped.filter((m) => Number.isFinite(value(m)));
  if (scored.length) return scored.reduce((a, b) => (value(b) < value(a) ? b : a));
  return shipped[0] ?? mine[0];
}

/** The model a dataset opens on: its preferred kind of shipped model if it has one (OPENS_ON), else `bestModel`. */
export function openingModel(models: ModelEntry[], dataset: string): ModelEntry | undefined {
  const arch = OPENS_ON[dataset];
  return (arch && models.find((m) => m.dataset === dataset && m.arch === arch && m.kind === 'shipped')) || bestModel(models, dataset);
}

export const INDEX_FORMAT = 'pixelrnn-lab-models/1';

/** Validates index.json; entries with missing fields are skipped with a warning rather than breaking the page. */
export function parseIndex(json: unknown, base: string): { models: ModelEntry[]; warnings: string[] } {
  const list = Array.isArray(json) ? json : (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(list)) throw new Error('models/index.json must hold a "models" list');
  const warnings: string[] = [];
  const models: ModelEntry[] = [];
  for (const [i, raw] of list.entries()) {
    const e = raw as Partial<Record<'id' | 'dataset' | 'arch' | 'path' | 'title' | 'small', unknown>>;
    if (typeof e.id !== 'string' || typeof e.path !== 'string' || typeof e.dataset !== 'string' || !isArch(e.arch)) {
      warnings.push(`models/index.json entry ${i} lacks id, dataset, arch or path: skipped`);
      continue;
    }
    if ((e.arch === 'multiscale') !== (typeof e.small === 'string')) {
      warnings.push(`models/index.json entry ${i}: a "multiscale" entry, and only one, names its small model in "small": skipped`);
      continue;
    }
    models.push({
      id: e.id,
      dataset: e.dataset,
      arch: e.arch,
      title: typeof e.title === 'string' ? e.title : e.id,
      kind: 'shipped',
      source: { kind: 'url', url: new URL(e.path, base).href },
      ...(typeof e.small === 'string' ? { small: { kind: 'url' as const, url: new URL(e.small, base).href } } : {}),
    });
  }
  return { models, warnings };
}

/** An architecture the picker lists (ARCHS): models of any other are not shown, so not taken in. */
function isArch(v: unknown): v is PickerArch {
  return ARCHS.some((a) => a.id === v);
}

/** IndexedDB key of a fine-tuned or imported model: `pixelrnn/<dataset>/<arch>/<name>`. */
export function localKey(dataset: string, arch: PickerArch, name: string): string {
  return `pixelrnn/${dataset}/${arch}/${name}`;
}

export function fromLocal(models: LocalModel[]): ModelEntry[] {
  const out: ModelEntry[] = [];
  for (const m of models) {
    const [prefix, dataset, arch, ...rest] = m.key.split('/');
    if (prefix !== 'pixelrnn' || !dataset || !isArch(arch) || rest.length === 0) continue;
    const name = rest.join('/');
    out.push({ id: `local:${m.key}`, dataset, arch, title: name, kind: 'local', source: { kind: 'indexeddb', key: m.key } });
  }
  return out;
}

/**
 * The browser-sized presets, untrained: always available, e.g. to fine-tune from scratch. For Emoji-64, the
 * Multi-Scale PixelRNN pairs: each small-emoji64-<arch>-cond preset with small-emoji-<arch> as its small half.
 */
export function untrained(): ModelEntry[] {
  const out: ModelEntry[] = [];
  for (const [name, config] of Object.entries(presets)) {
    const m = /^small-emoji64-(\w+)-cond$/.exec(name);
    const small = m && (presets as Record<string, ModelConfig>)[`small-emoji-${m[1]}`];
    if (!small) continue;
    out.push({
      id: `untrained:${name}`,
      dataset: 'emoji64',
      arch: 'multiscale',
      title: `untrained (random weights): ${ARCHS.find((a) => a.id === config.arch)?.title ?? config.arch} pair`,
      kind: 'untrained',
      source: { kind: 'config', config },
      small: { kind: 'config', config: small },
    });
  }
  for (const [name, config] of Object.entries(presets)) {
    const m = /^small-(mnist|emoji)-/.exec(name);
    if (!m) continue;
    out.push({
      id: `untrained:${name}`,
      dataset: m[1] === 'mnist' ? 'mnist' : 'emoji32',
      arch: config.arch,
      title: 'untrained (random weights)',
      kind: 'untrained',
      source: { kind: 'config', config },
    });
  }
  return out;
}

/** Shipped models first, then this browser's, then untrained; per dataset and arch. */
export function byDatasetArch(models: ModelEntry[], dataset: string, arch: PickerArch): ModelEntry[] {
  const rank = { shipped: 0, local: 1, untrained: 2 } as const;
  return models.filter((m) => m.dataset === dataset && m.arch === arch).sort((a, b) => rank[a.kind] - rank[b.kind]);
}

/** Names already saved in this browser for a dataset and architecture (one IndexedDB key each). */
export function localNames(models: ModelEntry[], dataset: string, arch: PickerArch): Set<string> {
  return new Set(models.filter((m) => m.kind === 'local' && m.dataset === dataset && m.arch === arch).map((m) => m.title));
}

/** `wanted` if no model of that name is saved, else `wanted-2`, `wanted-3` …: a name that overwrites nothing. */
export function uniqueName(wanted: string, taken: Set<string>): string {
  if (!taken.has(wanted)) return wanted;
  const stem = wanted.replace(/-\d+$/, '');
  for (let i = 2; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** The name offered for the next fine-tune of `entry`: `my-<arch>`, or the next free `my-<arch>-N`. */
export function suggestedName(models: ModelEntry[], entry: Pick<ModelEntry, 'dataset' | 'arch'>): string {
  return uniqueName(`my-${entry.arch}`, localNames(models, entry.dataset, entry.arch));
}

/** What an image of each dataset is, so that a model's config can be checked against the dataset it names. */
export const DATASET_SHAPES: Record<DatasetId, { height: number; width: number; channels: 1 | 3; output: ModelConfig['output'] }> = {
  mnist: { height: 28, width: 28, channels: 1, output: 'binary' },
  emoji32: { height: 32, width: 32, channels: 3, output: 'softmax256' },
  emoji64: { height: 64, width: 64, channels: 3, output: 'softmax256' },
};

export function isDataset(v: unknown): v is DatasetId {
  return DATASETS.some((d) => d.id === v);
}

/**
 * Where an imported model.json belongs, read from the file itself: its config (validated: the architecture
 * and the image shape) and its card (the dataset it was trained on). A card that names no dataset is placed
 * by its exact image shape; a model that fits no dataset of this app is refused with the reason.
 */
export function importTarget(jsonText: string): { config: ModelConfig; card: ModelCard; dataset: DatasetId } {
  let json: { modelTopology?: unknown; userDefinedMetadata?: { card?: unknown } };
  try {
    json = JSON.parse(jsonText) as typeof json;
  } catch {
    throw new Error('the model file is not valid JSON (pick the model.json you exported)');
  }
  const topology = json?.modelTopology as Partial<SavedTopology> | undefined;
  if (!topology || topology.format !== FORMAT || !topology.config) throw new Error(`this is not a PixelRNN Lab model (its model.json has no "${FORMAT}" config)`);
  const config = topology.config;
  validateConfig(config);
  if (!isArch(config.arch)) throw new Error(`its architecture "${config.arch}" is not one this page lists (${ARCHS.map((a) => a.id).join(', ')})`);
  const card = parseCard(json.userDefinedMetadata?.card, 'the imported model');
  const shape = (c: { height: number; width: number; channels: number; output: string }) => `${c.height}×${c.width}×${c.channels} ${c.output}`;
  const named = card.dataset?.name;
  if (named !== undefined) {
    if (!isDataset(named)) throw new Error(`it was trained on "${named}", a dataset this app does not offer (${DATASETS.map((d) => d.id).join(', ')})`);
    const want = DATASET_SHAPES[named];
    if (want.channels !== config.channels || want.output !== config.output)
      throw new Error(`its card names ${named}, whose images are ${shape(want)}, but its config is ${shape(config)}`);
    return { config, card, dataset: named };
  }
  const match = DATASETS.find((d) => shape(DATASET_SHAPES[d.id]) === shape(config));
  if (!match) throw new Error(`its card names no dataset and its images (${shape(config)}) are those of no dataset of this app`);
  return { config, card, dataset: match.id };
}
