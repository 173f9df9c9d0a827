/**
 * The Receptive field tab: a picture (a test image or a sample), a sub-pixel of it, and that sub-pixel's
 * receptive field under each architecture, computed in the sampling worker (SamplerApi.receptiveField) panel by
 * panel. One computation at a time: a new pick cancels the one in flight.
 */
import { CallAbortedError, WorkerGoneError } from '../../worker/rpc';
import type { FieldEvent } from '../../worker/fieldProtocol';
import { fieldModels, initialRField, type FieldPanelState, type RFieldState } from '../rfieldState';
import { getState, setState } from '../store';
import { samplerClient } from '../workers';

function patchField(f: (r: RFieldState) => Partial<RFieldState>): void {
  setState((s) => ({ rfield: { ...s.rfield, ...f(s.rfield) } }));
}

let running: AbortController | null = null;

/** The models the panels show for the page's dataset and selected model. */
export function currentFieldModels() {
  const { registry, dataset, modelId, rfield } = getState();
  return fieldModels(registry.models, dataset, modelId, rfield.chosen);
}

/** A picture to explore ([H,W,C] in the model's value range): the fields shown are dropped. */
export function pickFieldImage(image: Uint8Array, name: string, shape: NonNullable<RFieldState['shape']>): void {
  cancelField();
  patchField((r) => ({
    image,
    imageName: name,
    shape,
    cursor: { row: Math.min(r.cursor.row, shape.height - 1), col: Math.min(r.cursor.col, shape.width - 1) },
    channel: Math.min(r.channel, shape.channels - 1),
    at: null,
    status: 'idle',
    panels: [],
    error: null,
  }));
}

/** Moves the keyboard cursor (nothing is computed until a pick). */
export function moveFieldCursor(row: number, col: number): void {
  patchField(() => ({ cursor: { row, col } }));
}

/** The colour whose field is shown (R, G or B): computed again for the picked pixel. */
export function setFieldChannel(channel: number): void {
  patchField(() => ({ channel }));
  const { at } = getState().rfield;
  if (at) void computeField(at.row, at.col);
}

/** Which input colour the heatmaps show (null: the largest of each pixel's colours); nothing is recomputed. */
export function setFieldShow(show: number | null): void {
  patchField(() => ({ show }));
}

/** A person picks the model of one panel; the field is computed again if one is shown. */
export function chooseFieldModel(arch: FieldPanelState['arch'], id: string): void {
  patchField((r) => ({ chosen: { ...r.chosen, [arch]: id } }));
  const { at } = getState().rfield;
  if (at) void computeField(at.row, at.col);
}

/** The field of sub-pixel (row, col, the chosen colour) of the picture, under each panel's model. */
export async function computeField(row: number, col: number): Promise<void> {
  const { rfield } = getState();
  const { image, shape } = rfield;
  if (!image || !shape) return;
  cancelField();
  const controller = new AbortController();
  running = controller;
  const channel = Math.min(rfield.channel, shape.channels - 1);
  const choices = currentFieldModels();
  const panels: FieldPanelState[] = choices.map((c) => ({ arch: c.arch, modelId: c.entry?.id ?? null, status: 'idle', fraction: 0, result: null, error: null }));
  const withModel = choices.map((c, i) => ({ i, entry: c.entry })).filter((x) => x.entry !== null);
  patchField(() => ({ cursor: { row, col }, at: { row, col, channel }, status: 'running', panels, error: null }));
  const current = () => running === controller;
  const patchPanel = (i: number, v: Partial<FieldPanelState>) =>
    current() && patchField((r) => ({ panels: r.panels.map((p, k) => (k === i ? { ...p, ...v } : p)) }));
  const onEvent = (e: FieldEvent) => {
    const i = withModel[e.panel]!.i;
    if (e.phase === 'load') patchPanel(i, { status: 'loading', fraction: e.fraction });
    else if (e.phase === 'gradient') patchPanel(i, { status: 'computing', fraction: 1 });
    else patchPanel(i, e.outcome.ok ? { status: 'done', result: e.outcome.panel } : { status: 'error', error: e.outcome.message });
  };
  try {
    const out = await samplerClient().call(
      'receptiveField',
      { panels: withModel.map((x) => x.entry!.source), image: image.slice(), ...shape, row, col, channel },
      { signal: controller.signal, onEvent },
    );
    if (!current()) return;
    // The final outcomes (the events may have been dropped by a page that was busy): the same values.
    out.outcomes.forEach((o, k) => patchPanel(withModel[k]!.i, o.ok ? { status: 'done', result: o.panel } : { status: 'error', error: o.message }));
    patchField(() => ({ status: out.stopped ? 'stopped' : 'done' }));
  } catch (e) {
    if (!current()) return;
    const cancelled = e instanceof CallAbortedError || (e instanceof Error && /cancel/i.test(e.message));
    patchField(() => ({ status: cancelled ? 'stopped' : 'error', error: cancelled ? null : e instanceof WorkerGoneError ? 'The sampling worker stopped: restart it and pick the pixel again.' : (e as Error).message }));
  } finally {
    if (running === controller) running = null;
  }
}

export function cancelField(): void {
  running?.abort();
  running = null;
  patchField((r) => (r.status === 'running' ? { status: 'stopped' } : {}));
}

/** Forgets the picture and the fields (another dataset's pictures have another shape). */
export function resetField(): void {
  cancelField();
  patchField((r) => ({ ...initialRField, chosen: r.chosen, show: r.show }));
}
