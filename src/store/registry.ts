/**
 * The model registry: shipped models listed in `models/index.json`, models fine-tuned or imported in this
 * browser (IndexedDB), and untrained presets (to fine-tune from scratch).
 *
 * models/index.json (written by the training scripts):
 *   { "format": "pixelrnn-lab-models/1",
 *     "models": [ { "id": "mnist-pixelcnn", "dataset": "mnist", "arch": "pixelcnn",
 *                   "path": "mnist-pixelcnn/model.json", "title": "PixelCNN, binarised MNIST" } ] }
 * `path` is relative to the models/ folder. A bare array of entries is accepted too.
 */
import type { Arch } from '../core/models/config';
import { presets } from '../core/models/presets';
import type { LocalModel, ModelSource } from '../worker/protocol';

export const DATASETS = [
  { id: 'mnist', title: 'MNIST', blurb: 'handwritten digits, 28 × 28, black or white pixels' },
  { id: 'emoji32', title: 'Emoji-32', blurb: 'emoji, 32 × 32, full colour (256 values per R, G, B)' },
] as const;
export type DatasetId = (typeof DATASETS)[number]['id'];

export const ARCHS: ReadonlyArray<{ id: Arch; title: string; blurb: string }> = [
  { id: 'pixelcnn', title: 'PixelCNN', blurb: 'masked convolutions: fast to train, sees a limited neighbourhood' },
  { id: 'rowlstm', title: 'Row LSTM', blurb: 'an LSTM over rows: sees a triangle above each pixel' },
  { id: 'diagonal', title: 'Diagonal BiLSTM', blurb: 'LSTMs along diagonals: sees everything above and to the left' },
];

export interface ModelEntry {
  id: string;
  dataset: string;
  arch: Arch;
  title: string;
  kind: 'shipped' | 'local' | 'untrained';
  source: ModelSource;
}

export const INDEX_FORMAT = 'pixelrnn-lab-models/1';

/** Validates index.json; entries with missing fields are skipped with a warning rather than breaking the page. */
export function parseIndex(json: unknown, base: string): { models: ModelEntry[]; warnings: string[] } {
  const list = Array.isArray(json) ? json : (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(list)) throw new Error('models/index.json must hold a "models" list');
  const warnings: string[] = [];
  const models: ModelEntry[] = [];
  for (const [i, raw] of list.entries()) {
    const e = raw as Partial<Record<'id' | 'dataset' | 'arch' | 'path' | 'title', unknown>>;
    if (typeof e.id !== 'string' || typeof e.path !== 'string' || typeof e.dataset !== 'string' || !isArch(e.arch)) {
      warnings.push(`models/index.json entry ${i} lacks id, dataset, arch or path: skipped`);
      continue;
    }
    models.push({
      id: e.id,
      dataset: e.dataset,
      arch: e.arch,
      title: typeof e.title === 'string' ? e.title : e.id,
      kind: 'shipped',
      source: { kind: 'url', url: new URL(e.path, base).href },
    });
  }
  return { models, warnings };
}

function isArch(v: unknown): v is Arch {
  return v === 'pixelcnn' || v === 'rowlstm' || v === 'diagonal';
}

/** IndexedDB key of a fine-tuned or imported model: `pixelrnn/<dataset>/<arch>/<name>`. */
export function localKey(dataset: string, arch: Arch, name: string): string {
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

/** The browser-sized presets, untrained: always available, e.g. to fine-tune from scratch. */
export function untrained(): ModelEntry[] {
  const out: ModelEntry[] = [];
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
export function byDatasetArch(models: ModelEntry[], dataset: string, arch: Arch): ModelEntry[] {
  const rank = { shipped: 0, local: 1, untrained: 2 } as const;
  return models.filter((m) => m.dataset === dataset && m.arch === arch).sort((a, b) => rank[a.kind] - rank[b.kind]);
}
