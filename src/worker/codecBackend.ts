/**
 * Which backend the codec worker codes on. Pure (no tfjs), for the worker and the tests.
 *
 * Encoding: with `?backend=` naming one this browser runs, the tfjs path on it (the file then decodes on that
 * backend only). Otherwise the codec's default engine (src/core/codec/codec.ts): the JavaScript evaluator for
 * PixelCNNs (family 'js': portable, and the fastest here), tfjs on WebAssembly, else plain JavaScript (cpu),
 * for the other architectures; the model is loaded on that tfjs backend either way (the evaluator reads its
 * weights from it). Not the sampling worker's choice: a tfjs file decodes only on the backend family that
 * made it, and wasm runs in every browser and on the command line (the same image gave byte-identical files
 * in Chromium and Node), while a GPU backend would tie the file to GPUs and pay a read-back of the logits per
 * sub-pixel. Decoding: the backend the file names, when this browser runs it; a 'js' file on any.
 */
import type { BackendFamily } from '../core/codec/format';
import type { BackendName, Probe } from '../gpu/names';

export type CodecBackend = { ok: true; name: BackendName } | { ok: false; message: string };

export function encodeBackend(probes: Probe[], forced: BackendName | null): BackendName {
  const runs = (n: BackendName) => probes.some((p) => p.name === n && p.available);
  if (forced && runs(forced)) return forced;
  return runs('wasm') ? 'wasm' : 'cpu';
}

/** Whether an encode runs the tfjs path: only when `?backend=` names a backend that runs here. */
export function encodeEngine(probes: Probe[], forced: BackendName | null): 'auto' | 'tfjs' {
  return forced && encodeBackend(probes, forced) === forced ? 'tfjs' : 'auto';
}

/** Where to load the model to decode a file of this family: its backend, or for 'js' any (`held` if given). */
export function decodeBackend(probes: Probe[], fileBackend: BackendFamily, held?: BackendName): CodecBackend {
  if (fileBackend === 'js') return { ok: true, name: held ?? encodeBackend(probes, null) };
  const probe = probes.find((p) => p.name === fileBackend);
  if (probe?.available) return { ok: true, name: fileBackend };
  return {
    ok: false,
    message:
      `This file was encoded on the ${fileBackend} backend, which this browser does not run${probe ? ` (${probe.detail})` : ''}: ` +
      `a file decodes only where its backend runs. Decode it in a browser that has ${fileBackend}, or with npm run codec -- decode, which switches to it.`,
  };
}
