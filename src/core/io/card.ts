/**
 * The model card: the facts kept with the weights, in model.json → userDefinedMetadata.card.
 *
 * Written by scripts/train.ts and train/train.py (training), scripts/ship.ts (test figures), the app's
 * fine-tune (fineTunedCard) and untrained presets; read by the app (picker, ranking), the CLI (eval, ship,
 * plot-curves) and the tests. This file is the one schema all of them share: `parseCard` checks a card when a
 * model is loaded, so nothing downstream reads a card through casts. Every field is optional (an old or
 * hand-made model may have a bare card); fields this schema does not know are kept as they are.
 *
 * A card says what *this* model measured: a fine-tuned model keeps its base only as lineage (`fineTune`),
 * never its base's test figures.
 */

/** A likelihood measured on a split: nats per image (and bits per sub-pixel). */
export interface CardEvaluation {
  split?: string;
  step?: number;
  images?: number;
  natsPerImage: number;
  bitsPerDim?: number;
  seconds?: number;
  /** The command that reproduces it, e.g. `npm run eval -- public/models/mnist-pixelcnn --split test`. */
  command?: string;
  /** Class-conditional models: what the model was given ("the true class of each image"), and … */
  given?: string;
  /** … the same images given none (the learned null class): the model's unconditional NLL. */
  unconditional?: CardEvaluation;
}

/** The classes of a class-conditional model (config.classes = count): their names, from its dataset. */
export interface CardClasses {
  count: number;
  /** names[k] is class k (MNIST "0"…"9", Emoji-32's categories); class `count` is none. */
  names: string[];
  none?: number;
  /** Fraction of each training batch's labels replaced by none. */
  labelDropout?: number;
  source?: string;
}

export interface CardDataset {
  /** 'mnist' | 'emoji32' | 'upload' … */
  name: string;
  trainSplit?: string;
  validSplit?: string;
  validImages?: number;
}

/** One point of the learning curve the trainers record (train/train.py, scripts/train.ts). */
export interface CurvePoint {
  step: number;
  wallHours?: number;
  cpuHours?: number;
  trainBitsPerDim?: number;
  validBitsPerDim?: number;
  validNats?: number;
  /** Class-conditional models: the same validation images given none. */
  validNoneBitsPerDim?: number;
  validNoneNats?: number;
}

/** What scripts/train.ts needs to resume a run with the same data and batches. */
export interface CliTrainingSetup {
  presetName: string;
  dataName: string;
  batch: number;
  seed: number;
  commands: string[];
  /** Validation images (0: all): kept so a resumed run reports comparable numbers. */
  validLimit: number;
}

/** A model fine-tuned in the browser on a person's own images. */
export interface FineTuneFacts {
  /** Registry id and title of the model it started from (lineage only: its figures are not this model's). */
  baseModel: string;
  baseTitle: string;
  /** Usable images it was given (one in five is held out). */
  images: number;
  finetunedAt: string;
  /** Bits/dim on the held-out images at the last evaluation, and how many images that was. */
  heldOutBitsPerDim?: number;
  heldOutImages?: number;
  /** The step of that evaluation. */
  heldOutStep?: number;
}

export interface ModelCard {
  name?: string;
  note?: string;
  /** Random weights from a preset (nothing learned yet). */
  untrained?: boolean;
  /** The config plus a description (the trainers write it for people reading model.json). */
  architecture?: Record<string, unknown>;
  parameters?: number;
  dataset?: CardDataset;
  /** Optimiser steps this model's weights have taken (for a fine-tune: the fine-tune's own). */
  steps?: number;
  skippedSteps?: number;
  optimizer?: Record<string, unknown>;
  lr?: number;
  schedule?: Record<string, unknown>;
  clipNorm?: number;
  batchSize?: number;
  trainSeconds?: number;
  cpuSeconds?: number;
  hardware?: Record<string, unknown>;
  commands?: string[];
  /** 'pytorch' for train/train.py; absent for the TypeScript trainer. */
  trainer?: string;
  date?: string;
  training?: CliTrainingSetup;
  initializedFrom?: Record<string, unknown>;
  valid?: CardEvaluation | null;
  curve?: CurvePoint[];
  /** A small test subset the unit tests re-evaluate (scripts/ship.ts). */
  check?: CardEvaluation;
  /** The full test figure (scripts/ship.ts), mirrored in testNll / testBitsPerDim / bitsPerDim. */
  test?: CardEvaluation;
  testNll?: number;
  testBitsPerDim?: number;
  bitsPerDim?: number;
  paperComparison?: string;
  codecBaselines?: Record<string, unknown>;
  fineTune?: FineTuneFacts;
  classes?: CardClasses;
  /** Fields this schema does not describe are kept, typed as unknown. */
  [field: string]: unknown;
}

/** Thrown for a card whose known fields have the wrong types: says which field and what it holds. */
export class MalformedCardError extends Error {}

type Check = (v: unknown, at: string) => void;

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
};
const bad = (at: string, want: string, v: unknown): never => {
  throw new MalformedCardError(`"${at}" must be ${want}, not ${show(v)}`);
};
const num: Check = (v, at) => void (typeof v === 'number' && Number.isFinite(v) ? 0 : bad(at, 'a finite number', v));
const str: Check = (v, at) => void (typeof v === 'string' ? 0 : bad(at, 'text', v));
const bool: Check = (v, at) => void (typeof v === 'boolean' ? 0 : bad(at, 'true or false', v));
const obj: Check = (v, at) => void (v && typeof v === 'object' && !Array.isArray(v) ? 0 : bad(at, 'an object', v));
const strings: Check = (v, at) => (Array.isArray(v) ? v.forEach((s, i) => str(s, `${at}[${i}]`)) : bad(at, 'a list of text', v));
const shape =
  (fields: Record<string, Check>, required: string[] = []): Check =>
  (v, at) => {
    obj(v, at);
    const o = v as Record<string, unknown>;
    for (const k of required) if (o[k] === undefined) bad(`${at}.${k}`, 'present', undefined);
    for (const [k, check] of Object.entries(fields)) if (o[k] !== undefined) check(o[k], `${at}.${k}`);
  };
const evaluationFields: Record<string, Check> = { split: str, step: num, images: num, natsPerImage: num, bitsPerDim: num, seconds: num, command: str, given: str };
const evaluation = shape({ ...evaluationFields, unconditional: shape(evaluationFields, ['natsPerImage']) }, ['natsPerImage']);
const classes: Check = (v, at) => {
  shape({ count: num, names: strings, none: num, labelDropout: num, source: str }, ['count', 'names'])(v, at);
  const c = v as CardClasses;
  if (!Number.isInteger(c.count) || c.names.length !== c.count) bad(`${at}.names`, `${String(c.count)} class names`, c.names);
};
const FIELDS: Record<keyof ModelCard & string, Check> = {
  name: str,
  note: str,
  untrained: bool,
  architecture: obj,
  parameters: num,
  dataset: shape({ name: str, trainSplit: str, validSplit: str, validImages: num }, ['name']),
  steps: num,
  skippedSteps: num,
  optimizer: obj,
  lr: num,
  schedule: obj,
  clipNorm: num,
  batchSize: num,
  trainSeconds: num,
  cpuSeconds: num,
  hardware: obj,
  commands: strings,
  trainer: str,
  date: str,
  training: shape({ presetName: str, dataName: str, batch: num, seed: num, commands: strings, validLimit: num }),
  initializedFrom: obj,
  valid: (v, at) => (v === null ? undefined : evaluation(v, at)),
  curve: (v, at) =>
    Array.isArray(v)
      ? v.forEach((p, i) => shape({ step: num, wallHours: num, cpuHours: num, trainBitsPerDim: num, validBitsPerDim: num, validNats: num, validNoneBitsPerDim: num, validNoneNats: num }, ['step'])(p, `${at}[${i}]`))
      : bad(at, 'a list of points', v),
  check: evaluation,
  test: evaluation,
  testNll: num,
  testBitsPerDim: num,
  bitsPerDim: num,
  paperComparison: str,
  codecBaselines: obj,
  classes,
  fineTune: shape({ baseModel: str, baseTitle: str, images: num, finetunedAt: str, heldOutBitsPerDim: num, heldOutImages: num, heldOutStep: num }, ['baseModel', 'finetunedAt']),
};

/** The figures a base model's card has that describe that model only: a fine-tune of it must not inherit them. */
const BASE_ONLY = ['test', 'check', 'testNll', 'testBitsPerDim', 'bitsPerDim', 'valid', 'curve', 'codecBaselines', 'paperComparison', 'untrained', 'heldOutBitsPerDim'] as const;

/**
 * Checks a card read from model.json and returns it typed. A missing card is an empty one; a card whose
 * known fields have the wrong types throws an Error naming the source and the field.
 *
 * Cards of fine-tunes saved before this schema (top-level `baseModel`, `finetunedAt`, `dataset` as text, and
 * the base model's test figures copied in) are read as the schema has them now: the lineage under `fineTune`,
 * the base's figures dropped.
 */
export function parseCard(raw: unknown, source = 'the model'): ModelCard {
  if (raw === undefined || raw === null) return {};
  try {
    obj(raw, 'card');
    const card = { ...(raw as Record<string, unknown>) };
    upgradeOldFineTune(card);
    for (const [k, check] of Object.entries(FIELDS)) if (card[k] !== undefined) check(card[k], k);
    return card as ModelCard;
  } catch (e) {
    if (e instanceof MalformedCardError) throw new MalformedCardError(`${source}: its model card is malformed: ${e.message}`);
    throw e;
  }
}

function upgradeOldFineTune(card: Record<string, unknown>): void {
  if (card.fineTune !== undefined || typeof card.finetunedAt !== 'string' || typeof card.baseModel !== 'string') return;
  const { baseModel, baseTitle, images, finetunedAt, heldOutBitsPerDim } = card;
  const facts: Record<string, unknown> = { baseModel, baseTitle: typeof baseTitle === 'string' ? baseTitle : baseModel, finetunedAt };
  if (typeof images === 'number') facts.images = images;
  if (typeof heldOutBitsPerDim === 'number') facts.heldOutBitsPerDim = heldOutBitsPerDim;
  for (const k of ['baseModel', 'baseTitle', 'images', 'finetunedAt', ...BASE_ONLY]) delete card[k];
  if (typeof card.dataset === 'string') card.dataset = { name: card.dataset };
  card.fineTune = facts;
}

/** What a card says about how good its model is, for the picker and the ranking. */
export type CardScore =
  /**
   * Test likelihood of a trained model (scripts/ship.ts). For a class-conditional model, `nll` and `bitsPerDim`
   * are given none (its model of p(x), comparable with the unconditional models') and `givenClass` holds the
   * figures given each image's true class.
   */
  | { kind: 'test'; nll: number | null; bitsPerDim: number | null; givenClass?: { nll: number; bitsPerDim: number | null } }
  /** A fine-tune measured on the images it held out from the person's upload. */
  | { kind: 'heldOut'; bitsPerDim: number; images: number | null; step: number | null; baseTitle: string }
  /** A fine-tune with no evaluation yet. */
  | { kind: 'fineTuned'; baseTitle: string }
  | { kind: 'untrained' }
  | { kind: 'none' };

/**
 * The lossless codecs a card compares its model with (scripts/codec-baselines.ts, on the same test images): each
 * codec's short name ("PNG", "WebP lossless") and the bits/dim of its files; null when the card has none.
 */
export function codecFigures(card: ModelCard): { images: number | null; codecs: Array<{ name: string; bitsPerDim: number }> } | null {
  const b = card.codecBaselines as { images?: unknown; results?: Record<string, { fileBitsPerDim?: unknown }> } | undefined;
  if (!b?.results || typeof b.results !== 'object') return null;
  const codecs = Object.entries(b.results)
    .filter(([, r]) => typeof r?.fileBitsPerDim === 'number' && Number.isFinite(r.fileBitsPerDim))
    .map(([name, r]) => ({ name: name.replace(/\s*\(.*\)$/, ''), bitsPerDim: r.fileBitsPerDim as number }));
  return codecs.length ? { images: typeof b.images === 'number' ? b.images : null, codecs } : null;
}

export function cardScore(card: ModelCard): CardScore {
  const ft = card.fineTune;
  if (ft) {
    return ft.heldOutBitsPerDim !== undefined
      ? { kind: 'heldOut', bitsPerDim: ft.heldOutBitsPerDim, images: ft.heldOutImages ?? null, step: ft.heldOutStep ?? null, baseTitle: ft.baseTitle }
      : { kind: 'fineTuned', baseTitle: ft.baseTitle };
  }
  if (card.untrained) return { kind: 'untrained' };
  const none = card.test?.unconditional;
  if (none && card.test) {
    const given = { nll: card.test.natsPerImage, bitsPerDim: card.test.bitsPerDim ?? null };
    return { kind: 'test', nll: none.natsPerImage, bitsPerDim: none.bitsPerDim ?? null, givenClass: given };
  }
  const nll = card.testNll ?? card.test?.natsPerImage ?? null;
  const bitsPerDim = card.testBitsPerDim ?? card.test?.bitsPerDim ?? card.bitsPerDim ?? null;
  return nll === null && bitsPerDim === null ? { kind: 'none' } : { kind: 'test', nll, bitsPerDim };
}

/** What the fine-tune knows at a save: its steps and its last held-out evaluation. */
export interface FineTuneProgress {
  steps: number;
  heldOut: { bitsPerDim: number; images: number; step: number } | null;
}

/**
 * The card of a fine-tuned model at a save: the base's description (architecture, parameters), the fine-tune's
 * own fields (`own`: name, dataset, `fineTune` lineage) and its own figures, without any of the base's
 * measurements (the base's test NLL is not this model's).
 */
export function fineTunedCard(base: ModelCard, own: ModelCard, progress: FineTuneProgress): ModelCard {
  const card: ModelCard = { ...own, steps: progress.steps };
  if (base.architecture && !own.architecture) card.architecture = base.architecture;
  if (base.parameters !== undefined && own.parameters === undefined) card.parameters = base.parameters;
  for (const k of BASE_ONLY) delete card[k];
  const { heldOutBitsPerDim: _b, heldOutImages: _i, heldOutStep: _s, ...lineage } = own.fineTune ?? { baseModel: base.name ?? 'unknown', baseTitle: base.name ?? 'unknown', images: 0, finetunedAt: new Date().toISOString() };
  card.fineTune = progress.heldOut ? { ...lineage, heldOutBitsPerDim: progress.heldOut.bitsPerDim, heldOutImages: progress.heldOut.images, heldOutStep: progress.heldOut.step } : lineage;
  return card;
}
