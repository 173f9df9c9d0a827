/**
 * tfjs's WebAssembly backend, served by the app itself: Vite emits the three binaries (plain, SIMD,
 * threaded SIMD) as assets of this build and tfjs loads the one the browser can run, from this origin
 * (the built page's Content Security Policy allows nothing else). Threads need SharedArrayBuffer, i.e. a
 * cross-origin isolated page (COOP: same-origin + COEP: require-corp, sent by vite.config.ts's servers).
 */
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs';

let configured = false;

/** Points tfjs-backend-wasm at this build's binaries and uses every core (call before setBackend('wasm')). */
export function configureWasm(): void {
  if (configured) return;
  configured = true;
  // Absolute URLs: the worker's own URL is the base of Vite's asset paths, not the page's.
  const abs = (u: string) => new URL(u, import.meta.url).href;
  setWasmPaths({ 'tfjs-backend-wasm.wasm': abs(plain), 'tfjs-backend-wasm-simd.wasm': abs(simd), 'tfjs-backend-wasm-threaded-simd.wasm': abs(threaded) });
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  setThreadsCount(Math.max(1, cores));
}

/** "SIMD, 2 threads" or why there are none; after the backend started, the thread count it really has. */
export async function wasmFeatures(): Promise<{ simd: boolean; threads: boolean; detail: string }> {
  const [simdOk, threadsOk] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
  const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
  const started = tf.findBackend('wasm') !== null && tf.getBackend() === 'wasm';
  const n = started && threadsOk && simdOk ? getThreadsCount() : null;
  const threads = !simdOk
    ? 'no threads'
    : threadsOk
      ? n !== null
        ? `a pool of ${n} thread${n === 1 ? '' : 's'}`
        : 'threads available'
      : isolated
        ? 'no threads (this browser has no wasm threads)'
        : 'no threads (the page is not cross-origin isolated)';
  return { simd: Boolean(simdOk), threads: Boolean(simdOk && threadsOk), detail: `${simdOk ? 'SIMD' : 'no SIMD'}, ${threads}` };
}
