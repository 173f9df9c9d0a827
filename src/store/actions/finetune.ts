/**
 * The Fine-tune tab: uploads (each bad file reported by name, the good ones kept), training in the
 * training worker with live curves, saving to IndexedDB as it trains, export/import, restore.
 */
import { decodeFile } from '../../canvas/decode';
import { CallAbortedError } from '../../worker/rpc';
import { byDatasetArch, localKey } from '../registry';
import type { AppState, UploadItem } from '../state';
import { getState, patch, setState } from '../store';
import { samplerClient, trainerClient } from '../workers';
import { ensureTrainer, loadRegistry, selectModel, trainingBackendChosen, trainingBackendRequest } from './app';
import type { ModelConfig } from '../../core/index';
import type { ScratchOption, TrainEvent } from '../../worker/protocol';
import { reduceTrainEvent } from './finetuneReducer';
import { inputShape } from './inpaint';
import { confirmSaveName } from './naming';

/** Fewest usable images to train on: at least one held out to measure bits/dim, the rest to learn from. */
export const MIN_IMAGES = 4;

type Finetune = AppState['finetune'];

export function setFinetune(v: Partial<Pick<Finetune, 'name' | 'steps' | 'batchSize' | 'learningRate'>>): void {
  // A name the person typed is kept; until then a free one is suggested (actions/naming.ts).
  patch('finetune', v.name !== undefined ? { ...v, nameEdited: true } : v);
}

/** Decodes every file; each bad one gets its own message, and the good ones of the same upload are kept. */
export async function addFiles(files: File[]): Promise<void> {
  const config = getState().model.config;
  if (!config) return;
  patch('finetune', { message: `Reading ${files.length} file${files.length === 1 ? '' : 's'}…` });
  const items: UploadItem[] = [];
  for (const file of files) {
    const d = await decodeFile(file, inputShape(config));
    items.push(d.ok ? { name: d.name, ok: true, message: null, pixels: d.pixels, selected: true } : { name: d.name, ok: false, message: d.message, pixels: null, selected: false });
  }
  setState((s) => ({ finetune: { ...s.finetune, uploads: [...s.finetune.uploads, ...items], message: null } }));
}

export function toggleUpload(index: number): void {
  setState((s) => ({ finetune: { ...s.finetune, uploads: s.finetune.uploads.map((u, i) => (i === index && u.ok ? { ...u, selected: !u.selected } : u)) } }));
}

export function clearUploads(): void {
  patch('finetune', { uploads: [] });
}

/** Why training cannot start now, or null. */
export function blocker(s: AppState): string | null {
  if (s.model.status !== 'ready' || !s.model.config) return 'Choose a model first.';
  const usable = s.finetune.uploads.filter((u) => u.ok && u.selected).length;
  if (usable < MIN_IMAGES)
    return `Add at least ${MIN_IMAGES} usable images (${usable} so far): one is held out to measure bits/dim on images the model does not train on, the rest teach it.`;
  if (!/^[\w.-]{1,40}$/.test(s.finetune.name)) return 'Name the fine-tuned model with letters, digits, "-", "_" or "." (up to 40).';
  return null;
}

let training: AbortController | null = null;

/** What a training call returns: the step it ended on, and whether Stop ended it. */
interface RunOutcome {
  steps: number;
  stopped: boolean;
}

/**
 * One run in the training worker, the same for a fine-tune, a continued fine-tune and a model from scratch:
 * the tab shows it running from step `from`, `call` sends it (Stop aborts `signal`), then the finished run's
 * message, or why it failed. Stop pressed while the worker was starting aborts the call before it is sent:
 * nothing was trained or saved, and the tab says so.
 */
async function runInTrainer(from: number, call: (signal: AbortSignal) => Promise<RunOutcome>, finished: (done: RunOutcome) => string, after: () => Promise<void>): Promise<void> {
  const controller = new AbortController();
  training = controller;
  patch('finetune', { status: 'running', step: from, startStep: from, loss: [], valBits: [], samples: null, message: 'Starting the training worker…', error: null, savedKey: null, savedStep: null, skipNote: null });
  try {
    await ensureTrainer();
    const done = await call(controller.signal);
    patch('finetune', { status: done.stopped ? 'stopped' : 'done', message: finished(done) });
    await after();
  } catch (e) {
    if (e instanceof CallAbortedError) patch('finetune', { status: 'stopped', message: 'Stopped before training began: nothing was trained or saved.' });
    else patch('finetune', { status: 'error', error: (e as Error).message });
  } finally {
    if (training === controller) training = null;
  }
}

export async function startTraining(): Promise<void> {
  if (!blocker(getState()) && !(await confirmSaveName())) return; // a saved model of that name is replaced only if confirmed
  const s = getState();
  const why = blocker(s);
  if (why) {
    patch('finetune', { message: why });
    return;
  }
  const config = s.model.config!;
  const entry = s.registry.models.find((m) => m.id === s.modelId)!;
  const picked = s.finetune.uploads.filter((u) => u.ok && u.selected);
  const per = config.height * config.width * config.channels;
  const images = new Uint8Array(picked.length * per);
  picked.forEach((u, i) => images.set(u.pixels!, i * per));
  const saveKey = localKey(entry.dataset, entry.arch, s.finetune.name);
  const saved = `saved in this browser as "${s.finetune.name}"`;
  await runInTrainer(
    0,
    (signal) =>
      trainerClient().call(
        'train',
        {
          source: entry.source,
          saveKey,
          card: { name: s.finetune.name, dataset: { name: entry.dataset }, fineTune: { baseModel: entry.id, baseTitle: entry.title, images: picked.length, finetunedAt: new Date().toISOString() } },
          images,
          count: picked.length,
          steps: s.finetune.steps,
          batchSize: s.finetune.batchSize,
          learningRate: s.finetune.learningRate,
          sampleEvery: 25,
          seed: 1,
          backend: trainingBackendRequest(),
        },
        { signal, transfer: [images.buffer], onEvent: (e) => onTrainEvent(e, config) },
      ),
    (done) => (done.stopped ? `Stopped after step ${done.steps}; ${saved}.` : `Trained ${done.steps} steps; ${saved}.`),
    async () => {
      await loadRegistry();
      await refreshSavedRun();
    },
  );
}

/** One event of the training worker: the tab's state through the reducer, then the side effects. */
function onTrainEvent(e: TrainEvent, config: ModelConfig): void {
  setState((st) => ({ finetune: reduceTrainEvent(st.finetune, e, config) }));
  if (e.type === 'backend') trainingBackendChosen(e.choice, e.shapeKey);
  else if (e.type === 'saved' && !getState().registry.models.some((m) => m.source.kind === 'indexeddb' && m.source.key === e.key)) void loadRegistry();
}

/** Asks the training worker whether the selected model is a fine-tune saved with its training state. */
export async function refreshSavedRun(): Promise<void> {
  const { registry, modelId } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  const key = entry?.source.kind === 'indexeddb' ? entry.source.key : null;
  if (!key) {
    patch('finetune', { savedRun: null });
    return;
  }
  try {
    await ensureTrainer();
    const run = await trainerClient().call('savedRun', { key });
    if (getState().modelId === modelId) patch('finetune', { savedRun: run });
  } catch {
    patch('finetune', { savedRun: null });
  }
}

/**
 * Continues the selected saved fine-tune for the Steps field's number of steps more: from its step, with
 * its optimiser state, data order and the images saved with it.
 */
export async function continueTraining(): Promise<void> {
  const s = getState();
  const entry = s.registry.models.find((m) => m.id === s.modelId);
  const config = s.model.config;
  if (!entry || entry.source.kind !== 'indexeddb' || !s.finetune.savedRun || !config || s.model.status !== 'ready') return;
  const saveKey = entry.source.key;
  const from = s.finetune.savedRun.step;
  const saved = `saved in this browser as "${entry.title}"`;
  await runInTrainer(
    from,
    (signal) =>
      trainerClient().call(
        'continueTraining',
        { saveKey, steps: s.finetune.steps, sampleEvery: 25, backend: trainingBackendRequest() },
        { signal, onEvent: (e) => onTrainEvent(e, config) },
      ),
    (done) => `${done.stopped ? 'Stopped' : 'Continued'} from step ${from} to step ${done.steps}; ${saved}.`,
    refreshSavedRun,
  );
}

/** What "Train from scratch" trains: a size of the selected architecture, on built-in images or the uploads. */
export interface ScratchChoice {
  option: ScratchOption;
  data: 'builtin' | 'uploads';
  /** Built-in images to take from the start of the dataset's training split. */
  count: number;
}

/** Why a from-scratch run cannot start now, or null. */
export function scratchBlocker(s: AppState, data: ScratchChoice['data']): string | null {
  const entry = s.registry.models.find((m) => m.id === s.modelId);
  if (!entry || (entry.dataset !== 'mnist' && entry.dataset !== 'emoji32')) return 'Choose an MNIST or Emoji-32 model first: the new one is trained for the same images.';
  if (data === 'uploads' && s.finetune.uploads.filter((u) => u.ok && u.selected).length < MIN_IMAGES) return `Add at least ${MIN_IMAGES} usable images to train on your own.`;
  if (!/^[\w.-]{1,40}$/.test(s.finetune.name)) return 'Name the new model with letters, digits, "-", "_" or "." (up to 40).';
  return null;
}

/**
 * Trains a new model from random weights (a size of the selected dataset and architecture) in the training
 * worker, on the first images of the built-in dataset's training split or on the uploads, with the same live
 * curves and samples as a fine-tune, saved under the Save-as name.
 */
export async function startFromScratch(choice: ScratchChoice): Promise<void> {
  const why = scratchBlocker(getState(), choice.data);
  if (why) {
    patch('finetune', { message: why });
    return;
  }
  if (!(await confirmSaveName())) return; // a saved model of that name is replaced only if confirmed
  const s = getState();
  const entry = s.registry.models.find((m) => m.id === s.modelId)!;
  const { config, size } = choice.option;
  const per = config.height * config.width * config.channels;
  const picked = choice.data === 'uploads' ? s.finetune.uploads.filter((u) => u.ok && u.selected) : [];
  const images = new Uint8Array(picked.length * per);
  picked.forEach((u, i) => images.set(u.pixels!, i * per));
  const count = choice.data === 'uploads' ? picked.length : choice.count;
  const saved = `saved in this browser as "${s.finetune.name}"`;
  await runInTrainer(
    0,
    (signal) =>
      trainerClient().call(
        'train',
        {
          source: { kind: 'config', config },
          saveKey: localKey(entry.dataset, config.arch, s.finetune.name), // the new model's architecture, not the selected one's
          card: {
            name: s.finetune.name,
            dataset: { name: entry.dataset },
            fineTune: { baseModel: `scratch:${size}`, baseTitle: `${size} model from scratch`, images: count, finetunedAt: new Date().toISOString() },
          },
          images,
          count,
          steps: s.finetune.steps,
          batchSize: s.finetune.batchSize,
          learningRate: s.finetune.learningRate,
          sampleEvery: Math.min(25, s.finetune.steps),
          seed: 1,
          backend: trainingBackendRequest(),
          ...(choice.data === 'builtin' ? { builtIn: { url: new URL(`data/${entry.dataset}/manifest.json`, document.baseURI).href, count } } : {}),
        },
        { signal, transfer: [images.buffer], onEvent: (e) => onTrainEvent(e, config) },
      ),
    (done) => `${done.stopped ? 'Stopped' : 'Trained'} a ${size} model from scratch for ${done.steps} steps; ${saved}.`,
    loadRegistry,
  );
}

/** The sizes the selected architecture can be trained from scratch at (parameter counts from the worker). */
export async function scratchOptions(dataset: string, arch: ModelConfig['arch']): Promise<ScratchOption[]> {
  if (dataset !== 'mnist' && dataset !== 'emoji32') return [];
  await ensureTrainer();
  return trainerClient().call('scratchOptions', { dataset, arch });
}

export async function pauseTraining(pause: boolean): Promise<void> {
  // The worker confirms a pause with a 'paused' event once the step in flight is done.
  patch('finetune', pause ? { status: 'paused', message: 'Pausing after the current step…' } : { status: 'running', message: null });
  await trainerClient().call('control', { action: pause ? 'pause' : 'resume' });
}

/** Stops for good: the worker finishes the step in flight (one step, ≤ 2 s on the chosen backend), evaluates and saves. */
export function stopTraining(): void {
  if (!training) return;
  patch('finetune', { status: 'stopping', message: 'Stopping after the current step…' });
  training.abort();
}

/** Opens the fine-tuned model for sampling and inpainting. */
export async function useFinetuned(): Promise<void> {
  const key = getState().finetune.savedKey;
  if (key) await selectModel(`local:${key}`);
}

/** Back to the shipped weights of the same dataset and architecture (they are never overwritten). */
export async function restoreShipped(): Promise<void> {
  const { registry, modelId } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  if (!entry) return;
  const shipped = byDatasetArch(registry.models, entry.dataset, entry.arch).find((m) => m.kind === 'shipped') ?? byDatasetArch(registry.models, entry.dataset, entry.arch)[0];
  if (shipped) await selectModel(shipped.id);
}

export async function deleteLocalModel(): Promise<void> {
  const { registry, modelId } = getState();
  const entry = registry.models.find((m) => m.id === modelId);
  if (!entry || entry.source.kind !== 'indexeddb') return;
  await samplerClient().call('deleteLocal', { key: entry.source.key });
  await loadRegistry();
  await restoreShipped();
}

/** Export and import of model files (actions/models.ts). */
export { exportSelected, importFiles } from './models';
