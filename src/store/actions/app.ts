/**
 * Start-up and model selection: URL parameters → backend in the sampling worker → registry → model load
 * (with progress) → first samples.
 */
import type { BackendName } from '../../gpu/names';
import { WorkerGoneError } from '../../worker/rpc';
import { byDatasetArch, fromLocal, parseIndex, untrained, type ModelEntry } from '../registry';
import type { WorkerName } from '../state';
import { getState, patch, setState } from '../store';
import { parseUrl, type Tab, type UrlParams } from '../url';
import { dropWorker, samplerClient, trainerClient } from '../workers';
import { startSampling, stopSampling } from './sample';

let url: UrlParams = parseUrl('');

export function forcedBackend(): BackendName | null {
  return url.backend;
}

export async function startApp(search: string): Promise<void> {
  url = parseUrl(search);
  setState((s) => ({
    tab: url.tab ?? s.tab,
    sampleSettings: {
      count: clampInt(url.count ?? s.sampleSettings.count, 1, 64),
      seed: url.seed ?? s.sampleSettings.seed,
      temperature: url.temperature ?? s.sampleSettings.temperature,
    },
  }));
  await Promise.all([startBackend(), loadRegistry()]);
  const { registry, backend } = getState();
  if (backend.status !== 'ready') return;
  const wanted = url.model ? registry.models.find((m) => m.id === url.model || m.id === `local:${url.model}`) : null;
  if (url.model && !wanted) patch('model', { status: 'error', error: `No model "${url.model}" in models/index.json or this browser` });
  const first = wanted ?? registry.models.find((m) => m.kind === 'shipped') ?? registry.models[0];
  if (first) await selectModel(first.id, { autostart: url.autostart });
}

export async function startBackend(): Promise<void> {
  patch('backend', { status: 'starting', error: null });
  try {
    const info = await samplerClient().call('init', { backend: url.backend });
    patch('backend', { status: 'ready', info });
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
      shipped = parsed.models;
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
}

export function setTab(tab: Tab): void {
  setState({ tab });
}

export function setDataset(dataset: string): void {
  const { registry, model } = getState();
  const arch = registry.models.find((m) => m.id === model.id)?.arch ?? 'pixelcnn';
  const next = byDatasetArch(registry.models, dataset, arch)[0] ?? registry.models.find((m) => m.dataset === dataset);
  setState({ dataset });
  if (next) void selectModel(next.id);
}

export function setArch(arch: ModelEntry['arch']): void {
  const { registry, dataset } = getState();
  const next = byDatasetArch(registry.models, dataset, arch)[0];
  if (next) void selectModel(next.id);
}

let loadSeq = 0;

/** Loads a model into the sampling worker (progress in state.model); then samples if asked to. */
export async function selectModel(id: string, options: { autostart?: boolean } = {}): Promise<void> {
  const entry = getState().registry.models.find((m) => m.id === id);
  if (!entry) return;
  stopSampling();
  const seq = ++loadSeq;
  setState((s) => ({ modelId: id, dataset: entry.dataset, inspect: null, model: { ...s.model, status: 'loading', id, progress: 0, error: null } }));
  try {
    const loaded = await samplerClient().call('load', { source: entry.source }, { onEvent: (p) => seq === loadSeq && patch('model', { progress: p.fraction }) });
    if (seq !== loadSeq) return;
    setState((s) => ({
      model: { status: 'ready', id, progress: 1, config: loaded.config, card: loaded.card, params: loaded.params, error: null },
      // A picture chosen for another model's size is dropped; a new mask follows the new size.
      inpaint: sameShape(s.model.config, loaded.config) ? s.inpaint : { ...s.inpaint, source: null, sourceName: null, mask: null, undo: [] },
    }));
    if (options.autostart && getState().tab === 'sample') void startSampling();
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
    if (id && getState().backend.status === 'ready') await selectModel(id);
  } else {
    patch('finetune', { status: 'idle', message: 'The training worker was restarted. The last saved checkpoint is kept in this browser.' });
    setState({ trainerBackend: null });
  }
}

export async function ensureTrainer(): Promise<void> {
  if (getState().trainerBackend) return;
  const info = await trainerClient().call('init', { backend: url.backend });
  setState({ trainerBackend: info });
}

export function dismissNotice(): void {
  setState({ notice: null });
}

export function clampInt(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.round(Number.isFinite(v) ? v : lo)));
}
