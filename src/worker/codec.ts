/**
 * The codec worker's methods (codec.worker.ts): routes to src/core/codec. The worker loads the page's model
 * itself (same source as the sampling worker) on the backend codecBackend.ts picks: to encode, the codec's
 * default engine (the portable JavaScript evaluator for PixelCNNs, else tfjs on wasm) unless `?backend=` asks
 * for the tfjs path on a backend; to decode, the backend the file names (any for a 'js' file). A refusal of the codec (CodecError)
 * comes back as a value with its kind, so the page shows it as a refusal, not as a failure of the worker.
 */
import { CodecError, codecModel, decodeFile, encodeImage, headerBytes, readHeader, type CodecModel } from '../core/codec/index';
import type { PixelModel } from '../core/index';
import { useBackend } from '../gpu/backend';
import type { BackendName } from '../gpu/names';
import { environment } from './backends';
import { baselineSizes } from './baselines';
import { decodeBackend, encodeBackend, encodeEngine } from './codecBackend';
import type { CodecApi, CodecProgress, CodecRefusal } from './codecProtocol';
import * as models from './models';
import type { ModelSource } from './protocol';
import type { CallContext, Handlers } from './rpc';
import { withTransfer } from './rpc';

/** Progress goes out at most this often (ms). */
const PROGRESS_MS = 50;

/** The model this worker holds: its source, id and backend, with its weights' fingerprint read once. */
let held: { key: string; id: string; backend: BackendName; model: PixelModel; cm: CodecModel } | null = null;

/** One model load at a time (an encode and a decode may ask at once). */
let loading: Promise<unknown> = Promise.resolve();

async function hold(source: ModelSource, id: string, backend: BackendName, ctx: CallContext<CodecProgress>, total: number): Promise<CodecModel> {
  const key = models.sourceKey(source);
  const run = loading.then(async () => {
    if (held && held.key === key && held.id === id && held.backend === backend) return held.cm;
    ctx.emit({ done: 0, total, note: `loading the model on ${backend}…` });
    const artifacts = await models.readArtifacts(source);
    held?.model.dispose();
    held = null;
    await useBackend(backend, await environment());
    const { model } = await models.build(source, artifacts);
    try {
      held = { key, id, backend, model, cm: await codecModel(model, id) };
    } catch (e) {
      model.dispose();
      throw e;
    }
    return held.cm;
  });
  loading = run.catch(() => undefined);
  return run;
}

function progress(ctx: CallContext<CodecProgress>): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS && done < total) return;
    last = now;
    ctx.emit({ done, total });
  };
}

async function refusals<T>(work: () => Promise<T>): Promise<T | CodecRefusal> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof CodecError) return { ok: false, kind: e.kind, message: e.message };
    throw e;
  }
}

export const codecHandlers: Handlers<CodecApi> = {
  async compress({ image, modelId, source, forced }, ctx) {
    const out = await refusals(async () => {
      const { probes } = await environment();
      const engine = encodeEngine(probes, forced);
      // The JavaScript evaluator computes the same on any backend: a model held already is used where it is.
      const js = engine === 'auto' && held?.key === models.sourceKey(source) && held.id === modelId && held.cm.js !== null;
      const backend = js ? held!.backend : encodeBackend(probes, forced);
      const cm = await hold(source, modelId, backend, ctx, image.length);
      const started = performance.now();
      const enc = await encodeImage(cm, image, { onProgress: progress(ctx), signal: ctx.signal, engine });
      return {
        ok: true as const,
        file: enc.file,
        headerBytes: headerBytes(new TextEncoder().encode(modelId).length),
        payloadBytes: enc.payloadBytes,
        modelBits: enc.modelBits,
        nllBits: enc.nllBits,
        backend: enc.header.backend,
        ms: performance.now() - started,
      };
    });
    return out.ok ? withTransfer(out, [out.file.buffer as ArrayBuffer, out.modelBits.buffer as ArrayBuffer]) : out;
  },

  async restore({ file, modelId, source }, ctx) {
    const out = await refusals(async () => {
      const header = readHeader(file, { salvage: true });
      // a 'js' file decodes on whatever backend holds this model already (no reload)
      const same = held && held.key === models.sourceKey(source) && held.id === modelId ? held.backend : undefined;
      const backend = decodeBackend((await environment()).probes, header.backend, same);
      if (!backend.ok) throw new CodecError('backend', backend.message);
      const per = header.height * header.width * header.channels;
      const cm = await hold(source, modelId, backend.name, ctx, header.images * per);
      const started = performance.now();
      const dec = await decodeFile(cm, file, { onProgress: progress(ctx), signal: ctx.signal, salvage: true });
      const image = new Uint8Array(dec.images.length * per);
      dec.images.forEach((d, k) => image.set(d.image, k * per));
      const truncated = dec.truncated;
      return { ok: true as const, image, count: dec.images.length, modelId: dec.header.modelId, backend: dec.header.backend, ms: performance.now() - started, ...(truncated && { truncated }) };
    });
    return out.ok ? withTransfer(out, [out.image.buffer as ArrayBuffer]) : out;
  },

  async baselines({ image, height, width, channels, binary }) {
    return baselineSizes({ pixels: image, height, width, channels, binary });
  },
};
