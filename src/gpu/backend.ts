/**
 * Starting tfjs backends inside a worker (or the bench page): probing what this browser offers, starting
 * one, and all GPU failure handling (no adapter, device lost, uncaptured errors). Which backend a job
 * gets is decided in ./choice.ts from the probes and ./calibrate.ts's measurements.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

import { deviceKey } from './choice';
import { BACKENDS, type BackendName, type Environment, type Probe } from './names';
import { configureWasm, wasmFeatures } from './wasm';

export { BACKENDS, isBackendName, label, type BackendChoice, type BackendName, type Environment, type Probe } from './names';

const SOFTWARE = /swiftshader|lavapipe|llvmpipe|software|basic render/i;

async function probeWebGPU(): Promise<Probe> {
  const no = (detail: string): Probe => ({ name: 'webgpu', available: false, software: false, detail });
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return no('this browser has no WebGPU (navigator.gpu is missing)');
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return no(`requesting a WebGPU adapter failed: ${(e as Error).message}`);
  }
  if (!adapter) return no('WebGPU is present but no GPU adapter is available (disabled, blocklisted or no GPU)');
  const info = adapter.info;
  const desc = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  const software = SOFTWARE.test(desc) || Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
  return { name: 'webgpu', available: true, software, detail: desc };
}

function probeWebGL(): Probe {
  const no = (detail: string): Probe => ({ name: 'webgl', available: false, software: false, detail });
  if (typeof OffscreenCanvas === 'undefined') return no('no OffscreenCanvas in this worker');
  let gl: WebGL2RenderingContext | null = null;
  try {
    gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  } catch (e) {
    return no(`WebGL 2 failed to start: ${(e as Error).message}`);
  }
  if (!gl) return no('no WebGL 2 context');
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { name: 'webgl', available: true, software: SOFTWARE.test(renderer), detail: renderer };
}

async function probeWasm(): Promise<Probe> {
  if (typeof WebAssembly !== 'object') return { name: 'wasm', available: false, software: false, detail: 'this browser has no WebAssembly' };
  configureWasm();
  return { name: 'wasm', available: true, software: false, detail: (await wasmFeatures()).detail };
}

/** What this browser offers, one probe per backend, without starting any. */
export async function probeAll(): Promise<Environment> {
  const probes = [await probeWebGPU(), await probeWasm(), probeWebGL(), { name: 'cpu', available: true, software: false, detail: 'plain JavaScript' } as Probe];
  const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
  const nav = globalThis.navigator as Navigator | undefined;
  const key = deviceKey(probes, { cores: nav?.hardwareConcurrency ?? 1, agent: nav?.userAgent ?? 'node', isolated });
  return { probes: BACKENDS.map((b) => probes.find((p) => p.name === b)!), deviceKey: key, isolated };
}

/**
 * Makes `name` the active backend and proves it computes; throws with the reason when it cannot.
 * WebGPU on a software adapter gets the small-output matrix program (see preferSmallMatmulOnSoftware).
 */
export function useBackend(name: BackendName, env?: Environment): Promise<void> {
  // One switch at a time: tfjs names the new backend at once but starts wasm and WebGPU asynchronously, so a
  // second caller that saw the name and went on would run ops on a backend still starting ("has not yet been
  // initialized"). A worker can get two calls at once (a fine-tune's start and the from-scratch sizes).
  const run = switching.then(() => switchTo(name, env));
  switching = run.catch(() => {});
  return run;
}

let switching: Promise<void> = Promise.resolve();

async function switchTo(name: BackendName, env?: Environment): Promise<void> {
  // Production mode: no debug checks or warnings (IS_TEST would add a memory-leak check to every kernel).
  tf.enableProdMode();
  if (tf.getBackend() === name) return;
  if (name === 'wasm') configureWasm();
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    throw new Error(`The ${name} backend failed to start: ${(e as Error).message || String(e)}`);
  }
  if (!ok) throw new Error(`tfjs could not start the ${name} backend`);
  // A first op proves the backend really computes (WebGL can fail only at the first shader).
  const t = tf.add(tf.scalar(1), tf.scalar(2));
  const v = (await t.data())[0];
  t.dispose();
  if (v !== 3) throw new Error(`the ${name} backend computed 1 + 2 = ${v}`);
  if (name === 'webgpu' && env?.probes.find((p) => p.name === 'webgpu')?.software) preferSmallMatmulOnSoftware();
}

/**
 * On a software WebGPU adapter (SwiftShader, lavapipe), makes tfjs-webgpu use its 'small output' matmul
 * program for every matrix product. tfjs picks MatMulReduceProgram for products with ≤ 128 outputs, which
 * on SwiftShader costs ~150 ms a call against ~2.4 ms for MatMulSmallOutputSizeProgram (flag value 2):
 * the cached sampler, all small products, ran ~30× slower for it. Measured with e2e/sample.spec.ts
 * ("sampling speed": 4 images of the 8×8 test models, Chromium's SwiftShader, 2 loaded cores): 12 → 293
 * sub-pixels/s (binary PixelCNN), 12 → 148 (RGB PixelCNN), 13 → 290 (Row LSTM). Training steps of the same
 * models got ~20 % faster too (Dawn + SwiftShader in Node). Real GPUs keep tfjs's own choice.
 */
export function preferSmallMatmulOnSoftware(): void {
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', 2); // MatMulProgramType.MatMulSmallOutputSizeProgram
}

/**
 * Watches the WebGPU device of the active backend: `onLost` when the device is lost (driver reset, GPU
 * removed, or destroyed), `onError` for validation/out-of-memory errors nobody caught. No-op elsewhere;
 * watching the same device twice adds nothing.
 */
const watched = new WeakSet<GPUDevice>();
export function watchDevice(onLost: (message: string) => void, onError: (message: string) => void): void {
  const device = currentDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => onLost(`The GPU device was lost (${info.reason || 'unknown reason'}${info.message ? `: ${info.message}` : ''}).`));
  device.addEventListener('uncapturederror', (ev) => onError((ev as GPUUncapturedErrorEvent).error.message));
}

/** The GPUDevice of tfjs's WebGPU backend, when it is the active one. */
export function currentDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}
