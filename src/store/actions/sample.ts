/** The Sample tab: start, stream frames, stop, inspect a pixel, download the grid. */
import { WorkerGoneError } from '../../worker/rpc';
import type { SampleArgs } from '../../worker/protocol';
import { emptyRun, type SampleRun } from '../state';
import { getState, patch, setState } from '../store';
import { samplerClient } from '../workers';

/** One sampling job at a time in the sampling worker (sample or inpaint): starting one stops the other. */
let active: AbortController | null = null;

export function stopSampling(): void {
  active?.abort();
  active = null;
}

export function setSampleSettings(v: Partial<{ count: number; seed: number; temperature: number; drawClass: number | null }>): void {
  patch('sampleSettings', v);
}

/**
 * The classes a loaded model can draw given: its class names (the card's, from its dataset; "class k" when a
 * card has none), or null for a model without classes.
 */
export function classNamesOf(model: { config: { classes?: number } | null; card: { classes?: { names: string[] } } }): string[] | null {
  const k = model.config?.classes;
  if (!k) return null;
  const names = model.card.classes?.names;
  return names && names.length === k ? names : Array.from({ length: k }, (_, i) => `class ${i}`);
}

/** The class a job is drawn given: `choice` when the loaded model has that class, else none (null). */
export function effectiveClass(choice: number | null): number | null {
  const names = classNamesOf(getState().model);
  return names && choice !== null && Number.isInteger(choice) && choice >= 0 && choice < names.length ? choice : null;
}

/**
 * Runs one sampling job and mirrors it into `slot` (state.sample or state.inpaint.run). Frames arrive a
 * few tens of times a second; the canvas draws at most once per animation frame.
 */
export async function runJob(args: SampleArgs, write: (run: Partial<SampleRun>) => void): Promise<SampleRun['status']> {
  const { model } = getState();
  if (model.status !== 'ready' || !model.config) return 'idle';
  stopSampling();
  const controller = new AbortController();
  active = controller;
  const config = model.config;
  const per = config.height * config.width * config.channels;
  const startedAt = performance.now();
  const drawnAt = drawnCounter(args, per);
  // A multi-scale pair draws its small images first: they count towards the sub-pixels drawn.
  const pair = model.small?.config ?? null;
  const smallPer = pair ? pair.height * pair.width * pair.channels : 0;
  const factor = pair ? config.height / pair.height : 1;
  const stageLog: NonNullable<SampleRun['stageLog']> = [];
  let smallDone = 0;
  const toDraw = smallPer + drawnAt(per);
  write({
    ...emptyRun(),
    status: 'running',
    images: args.known ? initialImages(args, per) : new Uint8Array(args.count * per),
    count: args.count,
    config,
    modelId: model.id,
    total: per,
    toDraw,
    startedAt,
    seed: args.seed,
    temperature: args.temperature,
    drawClass: args.drawClass ?? null,
    stage: pair ? 'small' : null,
    small: pair ? new Uint8Array(args.count * smallPer) : null,
    smallConfig: pair,
    smallDone: 0,
    stageLog,
  });
  try {
    const done = await samplerClient().call('sample', args, {
      signal: controller.signal,
      onEvent: (f) => {
        if (active !== controller) return;
        const secs = (performance.now() - startedAt) / 1000;
        if (f.stage && stageLog.at(-1)?.stage !== f.stage) stageLog.push({ stage: f.stage, smallDone: f.stage === 'small' ? 0 : smallDone });
        if (f.stage === 'small') {
          // the small image, enlarged in the main grid: rows of it finished are the large rows not dimmed
          const drawn = (smallDone = f.done);
          const rowsDone = Math.floor(f.done / (pair!.width * pair!.channels)) * factor;
          write({ images: f.images, small: f.small, smallDone: f.done, stage: 'small', stageLog: [...stageLog], done: rowsDone * config.width * config.channels, drawn, row: f.row * factor, col: f.col * factor, channel: f.channel, subPixelsPerSecond: secs > 0 ? (drawn * args.count) / secs : 0 });
          return;
        }
        const drawn = smallPer + drawnAt(f.done);
        write({ images: f.images, done: f.done, total: f.total, drawn, row: f.row, col: f.col, channel: f.channel, subPixelsPerSecond: secs > 0 ? (drawn * args.count) / secs : 0, ...(f.stage ? { stage: f.stage, stageLog: [...stageLog] } : {}) });
      },
    });
    const status = done.stopped ? 'stopped' : 'done';
    write({ images: done.images, logProb: done.logProb, readbacks: done.readbacks ?? null, status, done: done.stopped ? undefined : per, drawn: done.stopped ? undefined : toDraw, subPixelsPerSecond: done.ms > 0 ? ((pair ? done.steps : drawnAt(done.steps)) * args.count * 1000) / done.ms : 0 });
    if (done.small) write({ small: done.small, stage: null, ...(done.stopped ? {} : { smallDone: smallPer }) });
    return status;
  } catch (e) {
    write({ status: e instanceof WorkerGoneError ? 'stopped' : 'error', error: (e as Error).message });
    return 'error';
  } finally {
    if (active === controller) active = null;
  }
}

/**
 * Steps done → sub-pixels drawn: every step draws when sampling; when inpainting only the hidden sub-pixels
 * are drawn, so the count of hidden sub-pixels among the first `steps` (prefix sums of the mask).
 */
export function drawnCounter(args: Pick<SampleArgs, 'known'>, per: number): (steps: number) => number {
  const k = args.known;
  if (!k) return (steps) => Math.max(0, Math.min(per, steps));
  const before = new Uint32Array(per + 1); // before[i]: hidden sub-pixels among the first i
  for (let i = 0; i < per; i++) before[i + 1] = before[i]! + (k.mask[i] ? 0 : 1);
  return (steps) => before[Math.max(0, Math.min(per, steps))]!;
}

function initialImages(args: SampleArgs, per: number): Uint8Array {
  const out = new Uint8Array(args.count * per);
  const k = args.known!;
  for (let b = 0; b < args.count; b++) for (let i = 0; i < per; i++) if (k.mask[i]) out[b * per + i] = k.image[i]!;
  return out;
}

export async function startSampling(): Promise<void> {
  const { count, seed, temperature, drawClass } = getState().sampleSettings;
  setState({ inspect: null });
  await runJob({ count, seed, temperature, drawClass: effectiveClass(drawClass) }, (run) => setState((s) => ({ sample: { ...s.sample, ...stripUndefined(run) } })));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The distributions (R, G, B, or the one binary) a finished sample's pixel was drawn from, computed by the
 * model that drew it. After a switch of model the samples belong to another model: they are not sent to
 * the new one (its distributions would be labelled as theirs, or not fit their shape at all).
 */
export async function inspectPixel(index: number, row: number, col: number, stage?: 'small' | 'large'): Promise<void> {
  const { sample, model } = getState();
  if (sample.status !== 'done' || !sample.images || !sample.config) return;
  if (sample.modelId !== model.id || model.status !== 'ready') {
    setState({ inspect: { index, row, col, status: 'error', result: null, error: 'These samples were drawn by another model than the one loaded now: press Sample to draw new ones, then inspect them.' } });
    return;
  }
  // A multi-scale pair: a pixel of the small image (the small model's), or of the large one (given the small image).
  const slice = (images: Uint8Array, c: { height: number; width: number; channels: number }) => {
    const per = c.height * c.width * c.channels;
    return images.slice(index * per, (index + 1) * per);
  };
  const small = sample.small && sample.smallConfig ? slice(sample.small, sample.smallConfig) : undefined;
  const image = stage === 'small' && small ? small : slice(sample.images, sample.config);
  const drawn = sample.images;
  setState({ inspect: { index, row, col, status: 'loading', result: null, error: null, ...(stage ? { stage } : {}) } });
  // The answer counts only while the same samples and the same model are on the page.
  const current = (s: ReturnType<typeof getState>) =>
    s.sample.images === drawn && s.model.id === sample.modelId && s.inspect?.index === index && s.inspect.row === row && s.inspect.col === col && s.inspect.stage === stage;
  try {
    const result = await samplerClient().call('inspect', { image, row, col, temperature: sample.temperature, drawClass: sample.drawClass ?? null, ...(small ? { stage: stage ?? 'large', small } : {}) });
    setState((s) => (current(s) ? { inspect: { ...s.inspect!, status: 'ready', result } } : {}));
  } catch (e) {
    setState((s) => (current(s) ? { inspect: { ...s.inspect!, status: 'error', error: (e as Error).message } } : {}));
  }
}

export function closeInspector(): void {
  setState({ inspect: null });
}
