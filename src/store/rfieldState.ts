/**
 * The receptive-field explorer's slice of the app state (state.ts holds it as `rfield`; actions/rfield.ts writes
 * it), and which model each of its four panels shows. Pure: no DOM, no workers.
 */
import type { Arch } from '../core/models/config';
import type { FieldPanel } from '../worker/fieldProtocol';
import { ARCHS, byDatasetArch, type ModelEntry } from './registry';

/** The explorer's panels, left to right. */
export const FIELD_ARCHS: readonly Arch[] = ['pixelcnn', 'rowlstm', 'diagonal', 'gated'];

export interface FieldPanelState {
  arch: Arch;
  /** Registry id of the model shown (null: the dataset has none of this architecture). */
  modelId: string | null;
  status: 'idle' | 'loading' | 'computing' | 'done' | 'error';
  /** 0..1 of the model's weights read while loading. */
  fraction: number;
  result: FieldPanel | null;
  error: string | null;
}

export interface RFieldState {
  /** The picture [H,W,C] in the models' value range, and its shape. */
  image: Uint8Array | null;
  imageName: string | null;
  shape: { height: number; width: number; channels: number; output: string } | null;
  /** The sub-pixel chosen (the keyboard cursor moves `cursor`; Enter or a click picks it). */
  cursor: { row: number; col: number };
  channel: number;
  /** The sub-pixel of the fields shown (or being computed). */
  at: { row: number; col: number; channel: number } | null;
  status: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  panels: FieldPanelState[];
  /** The model a person chose per architecture (else `fieldModels` picks one). */
  chosen: Partial<Record<Arch, string>>;
  /** Which input colour the heatmaps show: null, the largest of a pixel's colours. */
  show: number | null;
  error: string | null;
}

export const initialRField: RFieldState = {
  image: null,
  imageName: null,
  shape: null,
  cursor: { row: 0, col: 0 },
  channel: 0,
  at: null,
  status: 'idle',
  panels: [],
  chosen: {},
  show: null,
  error: null,
};

/** What a panel shows: the model picked for its architecture, and a note a person should read with it. */
export interface FieldModelChoice {
  arch: Arch;
  title: string;
  entry: ModelEntry | null;
  /** Models of this dataset and architecture the person may switch to. */
  options: ModelEntry[];
  note: string | null;
}

/**
 * The model of each architecture for the explorer's panels: the one a person chose; else the selected model
 * for its own architecture; else the model whose id is the selected one's with the architecture swapped
 * (`mnist-pixelcnn` → `mnist-rowlstm`: a family of models trained alike); else the first of the dataset
 * (shipped, then this browser's, then untrained weights, which still show the architecture's field).
 */
export function fieldModels(models: ModelEntry[], dataset: string, selectedId: string | null, chosen: Partial<Record<Arch, string>> = {}): FieldModelChoice[] {
  const selected = models.find((m) => m.id === selectedId) ?? null;
  return FIELD_ARCHS.map((arch) => {
    const title = ARCHS.find((a) => a.id === arch)?.title ?? arch;
    const options = byDatasetArch(models, dataset, arch);
    const swapped = selected && selected.arch !== 'multiscale' && selected.id.includes(selected.arch) ? selected.id.replace(selected.arch, arch) : null;
    const entry =
      options.find((m) => m.id === chosen[arch]) ??
      (selected?.arch === arch && selected.dataset === dataset ? selected : undefined) ??
      options.find((m) => m.id === swapped) ??
      options[0] ??
      null;
    const note = !entry
      ? `No ${title} for this dataset.`
      : entry.kind === 'untrained'
        ? `Random weights: no trained ${title} of this dataset is ${options.some((m) => m.kind !== 'untrained') ? 'picked' : 'shipped yet'}. The field's shape is the architecture's; its strengths are not learned.`
        : null;
    return { arch, title, entry, options, note };
  });
}
