/**
 * Start-up and model selection: URL parameters → backend in the sampling worker → registry → model load
 * (with progress) → first samples.
 */
import type { BackendName } from '../../gpu/names';
import { WorkerGoneError } from '../../worker/rpc';
import { forgetCalibrations, knownChoices, remember } from '../calibrationCache';
import { byDatasetArch, openingModel, cardOf, DEFAULT_DATASET, fromLocal, parseIndex, testScore, untrained, type ModelEntry } from '../registry';
import { emptyRun, type WorkerName } from '../state';
import { getState, patch, setState } from '../store';
import { parseUrl, type Tab, type UrlParams } from '../url';
import { dropWorker, samplerClient, trainerClient } from '../workers';
import { suggestFinetuneName } from './naming';
import { startSampling, stopSampling } from './sample';

let url: UrlParams = parseUrl('');

export function forcedBackend(): BackendName | null {
  return url.backend;
}

export async function startApp(search: string): Promise<void> {
  url = parseUrl(search);
  if (url.recalibrate) forgetCalibrations();
  setState((s) => ({
    backend: { ...s.backend, urlProblem: url.backendProblem },
    tab: url.tab ?? s.tab,
    sampleSettings: {
      count: clampInt(url.count ?? s.sampleSettings.count, 1, 64),
      seed: url.seed ?? s.sampleSettings.seed,
      temperature: url.temperature ?? s.sampleSettings.temperature,
      drawClass: s.sampleSettings.drawClass,
    },
  }));
  await Promise.all([startBackend(), loadRegistry()]);
  const { registry, backend } = getState();
  if (backend.status !== 'ready') return;
  const wanted = url.model ? registry.models.find((m) => m.id === url.model || m.id === `local:${url.model}`) : null;
  if (url.model && !wanted) patch('model', { status: 'error', error: `No model "${url.model}" in models/index.json or this browser` });
  // The best shipped model (by its card's test likelihood) of the default dataset.
  const first = wanted ?? openingModel(registry.models, DEFAULT_DATASET) ?? registry.models.find((m) => m.kind === 'shipped') ?? registry.models[0];
  if (first) await selectModel(first.id, { autostart: url.autostart });
}

export async function startBackend(): Promise<void> {
  patch('backend', { status: 'starting', error: null });
  try {
    const env = await samplerClient().call('init', { forced: url.backend });
    patch('backend', { status: 'ready', env });
  } catch (e) {
    patch('backend', { status: 'failed', error: (e as Error).message });
  }
}

/** Shipped models (models/index.json) + this browser's + untrained presets. */
export async function loadRegistry(): Promise<void> {
  const warnings: string[] = [];
  let shipped: ModelEntry[] = [];
  try {
    const base = new URL('models/', document.baseURI).href;
    const res = await fetch(new URL('index.json', base));
    if (res.ok) {
      const parsed = parseIndex(await res.json(), base);
      shipped = await withTestScores(parsed.models);
      warnings.push(...parsed.warnings);
    } else warnings.push(`No shipped models (models/index.json: HTTP ${res.status}); untrained models only.`);
  } catch (e) {
    warnings.push(`models/index.json could not be read: ${(e as Error).message}`);
  }
  let local: ModelEntry[] = [];
  try {
    if (getState().backend.status !== 'failed') local = fromLocal(await samplerClient().call('listLocal', {}));
  } catch (e) {
    warnings.push(`Saved models could not be listed: ${(e as Error).message}`);
  }
  setState({ registry: { status: 'ready', models: [...shipped, ...local, ...untrained()], warnings } });
  suggestFinetuneName();
}

/** Reads each shipped model's card (its model.json, a few kB) for the test figures the picker ranks by. */
async function withTestScores(models: ModelEntry[]): Promise<ModelEntry[]> {
  return Promise.all(
    models.map(async (m) => {
      if (m.source.kind !== 'url') return m;
      try {
        const res = await fetch(m.source.url);
        const test = res.ok ? testScore(cardOf(await res.json())) : null;
        return test ? { ...m, test } : m;
      } catch {
        return m; // loading it will say what is wrong
      }
    }),
  );
}

export function setTab(tab: Tab): void {
  setState({ tab });
}

/** A dataset opens on its best shipped model (lowest test bits/dim on the cards), or the kind it is there to show. */
export function setDataset(dataset: string): void {
  const { registry } = getState();
  const next = openingModel(registry.models, dataset);
  setState({ dataset });
  if (next) void selectModel(next.id);
}

export function setArch(arch: ModelEntry['arch']): void {
  const { registry, dataset } = getState();
  const next = byDatasetArch(registry.models, dataset, arch)[0];
  if (next) void selectModel(next.id);
}

let loadSeq = 0;

/**
 * Loads a model into the sampling worker (progress in state.model): the worker picks its backend (forced,
 * cached here per device and model shape, or calibrated now) and warms the sampler up. Then, on the Sample
 * tab, sampling starts by itself (unless `?autostart=0`), so a new model never waits for a click.
 */
export async function selectModel(id: string, options: { autostart?: boolean } = {}): Promise<void> {
  const entry = getState().registry.models.find((m) => m.id === id);
  if (!entry) return;
  stopSampling();
  const seq = ++loadSeq;
  // Samples drawn by another model go with it (a sample keeps its model); the same model reloaded (after a
  // worker restart) keeps its samples.
  setState((s) => ({ modelId: id, dataset: entry.dataset, inspect: null, sample: s.sample.modelId === id ? s.sample : emptyRun(), model: { ...s.model, status: 'loading', id, progress: 0, note: null, error: null } }));
  suggestFinetuneName();
  const env = getState().backend.env;
  try {
    const loaded = await samplerClient().call(
      'load',
      { source: entry.source, small: entry.small, batch: getState().sampleSettings.count, forced: url.backend, known: env ? knownChoices(env.deviceKey, 'sampling') : {} },
      { onEvent: (p) => seq === loadSeq && patch('model', { progress: p.fraction, note: p.message ?? null }) },
    );
    if (env) remember(env.deviceKey, 'sampling', loaded.shapeKey, loaded.backend);
    if (seq !== loadSeq) return;
    setState((s) => ({
      backend: { ...s.backend, sampling: loaded.backend },
      model: { status: 'ready', id, progress: 1, note: null, config: loaded.config, card: loaded.card, params: loaded.params, error: null, small: loaded.small ?? null },
      // A picture chosen for another model's size is dropped; a new mask follows the new size.
      inpaint: sameShape(s.model.config, loaded.config) ? s.inpaint : { ...s.inpaint, source: null, sourceName: null, mask: null, undo: [] },
    }));
    if ((options.autostart ?? url.autostart) && getState().tab === 'sample') void startSampling();
  } catch (e) {
    if (seq !== loadSeq || e instanceof WorkerGoneError) return;
    patch('model', { status: 'error', error: (e as Error).message });
  }
}

function sameShape(a: { height: number; width: number; channels: number; output: string } | null, b: { height: number; width: number; channels: number; output: string }): boolean {
  return !!a && a.height === b.height && a.width === b.width && a.channels === b.channels && a.output === b.output;
}

/** After a crash or a lost device: a fresh worker, its backend, and the model reloaded (from its file or IndexedDB). */
export async function restartWorker(worker: WorkerName): Promise<void> {
  dropWorker(worker);
  if (worker === 'sampler') {
    // The new worker has no model yet: nothing may sample until it is loaded again.
    setState((s) => ({
      sample: { ...s.sample, status: s.sample.status === 'running' ? 'stopped' : s.sample.status },
      inpaint: { ...s.inpaint, run: { ...s.inpaint.run, status: s.inpaint.run.status === 'running' ? 'stopped' : s.inpaint.run.status } },
      model: { ...s.model, status: 'loading', progress: 0 },
      inspect: null,
    }));
    await startBackend();
    const id = getState().modelId;
    if (id && getState().backend.status === 'ready') await selectModel(id, { autostart: false });
  } else {
    patch('finetune', { status: 'idle', message: 'The training worker was restarted. The last saved checkpoint is kept in this browser.' });
    setState({ trainerBackend: null });
  }
}

/** How the training worker picks its backend: `?backend=`, or this device's cached training calibrations. */
export function trainingBackendRequest(): { forced: BackendName | null; known: ReturnType<typeof knownChoices> } {
  const env = getState().backend.env;
  return { forced: url.backend, known: env ? knownChoices(env.deviceKey, 'training') : {} };
}

/** Keeps the training worker's choice (cached when it was measured) for the badge and the next fine-tune. */
export function trainingBackendChosen(choice: NonNullable<ReturnType<typeof getState>['trainerBackend']>, shapeKey: string): void {
  const env = getState().backend.env;
  if (env) remember(env.deviceKey, 'training', shapeKey, choice);
  setState({ trainerBackend: choice });
}

/** Starts the training worker (probing its backends) so the first fine-tune does not wait for it. */
export async function ensureTrainer(): Promise<void> {
  await trainerClient().call('init', {});
}

export function dismissNotice(): void {
  setState({ notice: null });
}

export function clampInt(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.round(Number.isFinite(v) ? v : lo)));
}
