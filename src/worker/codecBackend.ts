/**
 * Which backend the codec worker codes on. Pure (no tfjs), for the worker and the tests.
 *
 * Encoding: `?backend=` when it names one this browser runs, else WebAssembly, else plain JavaScript (cpu).
 * Not the sampling worker's choice: a file decodes only on the backend family that made it, and wasm runs
 * in every browser and on the command line (`npm run codec` defaults to it; the same image gave byte-identical
 * files in Chromium and Node), while a GPU backend would tie the file to GPUs and pay a read-back of the
 * logits per sub-pixel. Decoding: the backend the file names, when this browser runs it.
 */
import type { BackendName, Probe } from '../gpu/names';

export type CodecBackend = { ok: true; name: BackendName } | { ok: false; message: string };

export function encodeBackend(probes: Probe[], forced: BackendName | null): BackendName {
  const runs = (n: BackendName) => probes.some((p) => p.name === n && p.available);
  if (forced && runs(forced)) return forced;
  return runs('wasm') ? 'wasm' : 'cpu';
}

export function decodeBackend(probes: Probe[], fileBackend: BackendName): CodecBackend {
  const probe = probes.find((p) => p.name === fileBackend);
  if (probe?.available) return { ok: true, name: fileBackend };
  return {
    ok: false,
    message:
      `This file was encoded on the ${fileBackend} backend, which this browser does not run${probe ? ` (${probe.detail})` : ''}: ` +
      `a file decodes only where its backend runs. Decode it in a browser that has ${fileBackend}, or with npm run codec -- decode, which switches to it.`,
  };
}
