/**
 * The sampling worker's codec methods: routes to src/core/codec with the model the worker holds, on the
 * backend it samples with (the file records that backend; only it decodes the file). A refusal of the
 * codec (CodecError) comes back as a value with its kind, so the page can show it as a refusal rather
 * than as a failure of the worker.
 */
import { CodecError, codecModel, decodeImage, encodeImage, headerBytes, type CodecModel } from '../core/codec/index';
import type { PixelModel } from '../core/index';
import { baselineSizes } from './baselines';
import type { CodecApi, CodecProgress, CodecRefusal } from './codecProtocol';
import type { CallContext, Handlers } from './rpc';
import { withTransfer } from './rpc';

/** Progress goes out at most this often (ms). */
const PROGRESS_MS = 50;

/** The weights' fingerprint is read once per loaded model and id. */
const prepared = new WeakMap<PixelModel, { id: string; cm: Promise<CodecModel> }>();

function prepare(model: PixelModel, id: string): Promise<CodecModel> {
  const hit = prepared.get(model);
  if (hit?.id === id) return hit.cm;
  const cm = codecModel(model, id);
  prepared.set(model, { id, cm });
  cm.catch(() => prepared.delete(model));
  return cm;
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

export function codecHandlers(model: () => PixelModel): Handlers<CodecApi> {
  return {
    async compress({ image, modelId }, ctx) {
      const out = await refusals(async () => {
        const started = performance.now();
        const enc = await encodeImage(await prepare(model(), modelId), image, { onProgress: progress(ctx), signal: ctx.signal });
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

    async restore({ file, modelId }, ctx) {
      const out = await refusals(async () => {
        const started = performance.now();
        const dec = await decodeImage(await prepare(model(), modelId), file, { onProgress: progress(ctx), signal: ctx.signal });
        return { ok: true as const, image: dec.image, modelId: dec.header.modelId, backend: dec.header.backend, ms: performance.now() - started };
      });
      return out.ok ? withTransfer(out, [out.image.buffer as ArrayBuffer]) : out;
    },

    async baselines({ image, height, width, channels, binary }) {
      return baselineSizes({ pixels: image, height, width, channels, binary });
    },
  };
}
