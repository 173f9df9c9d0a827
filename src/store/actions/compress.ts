/**
 * The Compress tab: a picture (test image or upload, through Inpaint's paths) → its .prnn file with the
 * loaded model, the PNG / WebP sizes beside it and its surprise map; a .prnn file → the picture again.
 * The coding runs in the codec worker (src/worker/codec.worker.ts), which loads the page's model from the
 * same source on its own backend (src/worker/codecBackend.ts), so sampling and coding never wait for each
 * other. One encode and one decode at a time, each cancellable. The worker starts on first use; if it
 * dies, the call in flight says so and the next one starts a fresh worker.
 */
import { downloadBlob } from '../../canvas/export';
import { decodeFile } from '../../canvas/decode';
import { readHeader } from '../../core/codec/index';
import type { CodecApi } from '../../worker/codecProtocol';
import { CallAbortedError, WorkerClient, WorkerGoneError } from '../../worker/rpc';
import { initialCompress, type CompressState } from '../compressState';
import { getState, setState } from '../store';
import { forcedBackend, selectModel } from './app';
import { inputShape } from './inpaint';


let client: WorkerClient<CodecApi> | null = null;

function codec(): WorkerClient<CodecApi> {
  if (!client) {
    const w = new Worker(new URL('../../worker/codec.worker.ts', import.meta.url), { type: 'module', name: 'codec' });
    client = new WorkerClient<CodecApi>(
      w,
      (n) => console.info(`[codec] ${n.message}`),
      () => undefined, // reported by the call in flight (below)
    );
  }
  return client;
}

/** A call to the codec worker; a crashed worker is dropped, so the next call starts a fresh one. */
async function call<M extends keyof CodecApi & string>(method: M, args: CodecApi[M]['args'], options: Parameters<WorkerClient<CodecApi>['call']>[2] = {}): Promise<CodecApi[M]['result']> {
  try {
    return await codec().call(method, args, options as never);
  } catch (e) {
    if (e instanceof WorkerGoneError) {
      client?.terminate();
      client = null;
    }
    throw e;
  }
}

/** Where the codec worker loads the page's model from. */
function sourceOf(id: string) {
  return getState().registry.models.find((m) => m.id === id)?.source ?? null;
}

let encoding: AbortController | null = null;
let decoding: AbortController | null = null;
/** The last file dropped, to decode again once the model it names is loaded. */
let lastFile: { file: Blob; name: string } | null = null;

function patchCompress(f: (c: CompressState) => Partial<CompressState>): void {
  setState((s) => ({ compress: { ...s.compress, ...f(s.compress) } }));
}
const patchEncode = (v: Partial<CompressState['encode']>) => patchCompress((c) => ({ encode: { ...c.encode, ...v } }));
const patchDecode = (v: Partial<CompressState['decode']>) => patchCompress((c) => ({ decode: { ...c.decode, ...v } }));

const cancelled = (e: unknown) => e instanceof CallAbortedError || (e instanceof Error && /cancel/i.test(e.message));

/** A picture to compress: shown at once, measured as PNG / WebP, and coded with the loaded model. */
export function pickCompressImage(pixels: Uint8Array, name: string): void {
  cancelCompress();
  patchCompress(() => ({ source: pixels, sourceName: name, message: null, picked: null, baselines: null, encode: initialCompress.encode }));
  void measureBaselines(pixels);
  void compressImage();
}

export async function uploadCompressImage(file: File): Promise<void> {
  const config = getState().model.config;
  if (!config) return;
  const d = await decodeFile(file, inputShape(config));
  if (d.ok) pickCompressImage(d.pixels, d.name);
  else patchCompress(() => ({ message: d.message }));
}

async function measureBaselines(pixels: Uint8Array): Promise<void> {
  const config = getState().model.config;
  if (!config) return;
  try {
    const sizes = await call('baselines', { image: pixels, ...inputShape(config) });
    patchCompress((c) => (c.source === pixels ? { baselines: sizes } : {}));
  } catch (e) {
    const why = (e as Error).message;
    patchCompress((c) => (c.source === pixels ? { baselines: { png: null, pngNote: why, webp: null, webpNote: why } } : {}));
  }
}

/** Codes the picture with the loaded model (its id and weights go in the file's header). */
export async function compressImage(): Promise<void> {
  const { compress, model } = getState();
  const source = compress.source;
  if (!source || model.status !== 'ready' || !model.config || !model.id) return;
  const config = model.config;
  if (source.length !== config.height * config.width * config.channels) {
    patchCompress(() => ({ message: `This picture was prepared for another model's size: pick it again for ${config.width}×${config.height}.` }));
    return;
  }
  const modelSource = sourceOf(model.id);
  if (!modelSource) return;
  cancelCompress();
  const controller = new AbortController();
  encoding = controller;
  const modelId = model.id;
  patchEncode({ status: 'running', progress: { done: 0, total: source.length }, result: null, error: null });
  const current = () => encoding === controller && getState().compress.source === source;
  try {
    // A copy travels (the page keeps its picture).
    const out = await call(
      'compress',
      { image: source.slice(), modelId, source: modelSource, forced: forcedBackend() },
      { signal: controller.signal, onEvent: (p) => current() && patchEncode({ progress: p }) },
    );
    if (!current()) return;
    if (out.ok) {
      const { ok: _, ...result } = out;
      patchEncode({ status: 'done', progress: { done: source.length, total: source.length }, result: { ...result, modelId, config } });
    } else patchEncode({ status: 'refused', error: out.message });
  } catch (e) {
    if (current()) patchEncode(cancelled(e) ? { status: 'cancelled' } : { status: 'error', error: (e as Error).message });
  } finally {
    if (encoding === controller) encoding = null;
  }
}

export function cancelCompress(): void {
  encoding?.abort();
  encoding = null;
  patchCompress((c) => (c.encode.status === 'running' ? { encode: { ...c.encode, status: 'cancelled' } } : {}));
}

/** Saves the .prnn file just made. */
export function downloadPrnn(): void {
  const { encode, sourceName } = getState().compress;
  if (!encode.result) return;
  const base = (sourceName ?? 'image').replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'image';
  downloadBlob(new Blob([encode.result.file as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), `${base}.${encode.result.modelId.replace(/[^\w.-]+/g, '-')}.prnn`);
}

/** The surprise map's read-out follows this pixel. */
export function pickSurprisePixel(row: number, col: number): void {
  patchCompress(() => ({ picked: { row, col } }));
}

/**
 * Decodes a .prnn file (every picture in it: a file may hold several) with the loaded model. The codec refuses a damaged file, another model's, another
 * backend's, and a result whose pixel checksum fails: each refusal is shown with its message.
 */
export async function restoreFile(file: Blob, name: string): Promise<void> {
  cancelDecode();
  const controller = new AbortController();
  decoding = controller;
  lastFile = { file, name };
  patchDecode({ ...initialCompress.decode, status: 'running', fileName: name, fileBytes: file.size });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const { model } = getState();
  const current = () => decoding === controller;
  const refuse = (kind: NonNullable<CompressState['decode']['refusal']>['kind'], message: string) => patchDecode({ status: 'refused', refusal: { kind, message } });
  try {
    // The header is read here first: a file that is no .prnn at all is refused without the worker.
    let total = 0;
    try {
      const h = readHeader(bytes, { salvage: true }); // a multi-image file cut short: its whole pictures
      total = h.images * h.height * h.width * h.channels; // a file may hold several pictures
      patchDecode({ fileModel: h.modelId, fileBackend: h.backend });
    } catch (e) {
      const err = e as Error & { kind?: NonNullable<CompressState['decode']['refusal']>['kind'] };
      if (err.kind) return refuse(err.kind, err.message);
      throw e;
    }
    const modelSource = model.id ? sourceOf(model.id) : null;
    if (model.status !== 'ready' || !model.config || !model.id || !modelSource)
      return patchDecode({ status: 'error', error: 'No model is loaded yet: wait for it, then drop the file again.' });
    const config = model.config;
    patchDecode({ progress: { done: 0, total } });
    const out = await call(
      'restore',
      { file: bytes, modelId: model.id, source: modelSource },
      { signal: controller.signal, transfer: [bytes.buffer], onEvent: (p) => current() && patchDecode({ progress: p }) },
    );
    if (!current()) return;
    if (!out.ok) return refuse(out.kind, out.message);
    const source = getState().compress.source;
    const per = out.image.length / out.count;
    const sameAsSource =
      source && source.length === per ? Array.from({ length: out.count }, (_, k) => k * per).some((at) => source.every((v, i) => v === out.image[at + i])) : null;
    patchDecode({ status: 'done', progress: { done: total, total }, image: out.image, count: out.count, config, sameAsSource, backend: out.backend, ms: out.ms, truncated: out.truncated ?? null });
  } catch (e) {
    if (current()) patchDecode(cancelled(e) ? { status: 'cancelled' } : { status: 'error', error: (e as Error).message });
  } finally {
    if (decoding === controller) decoding = null;
  }
}

/** After a refusal for another model: loads the model the file names (if this page has it) and decodes again. */
export async function loadFileModelAndDecode(): Promise<void> {
  const { compress, registry } = getState();
  const id = compress.decode.fileModel;
  const file = lastFile;
  if (!id || !file || !registry.models.some((m) => m.id === id)) return;
  await selectModel(id, { autostart: false });
  if (getState().model.id === id && getState().model.status === 'ready') await restoreFile(file.file, file.name);
}

export function cancelDecode(): void {
  decoding?.abort();
  decoding = null;
  patchCompress((c) => (c.decode.status === 'running' ? { decode: { ...c.decode, status: 'cancelled' } } : {}));
}
