/**
 * Backend choice for tfjs, used inside each worker: WebGPU first, then WebGL, then the CPU, with a short
 * reason the page shows in its badge. All GPU failure handling (no adapter, device lost, uncaptured
 * errors) lives in this folder.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

import { BACKENDS, label, type BackendInfo, type BackendName } from './names';

export { BACKENDS, isBackendName, label, type BackendInfo, type BackendName } from './names';

/** Why WebGPU cannot run here, or null when an adapter is available (with its description). */
async function probeWebGPU(): Promise<{ why: string } | { adapter: string; software: boolean }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { why: 'this browser has no WebGPU (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { why: `requesting a WebGPU adapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { why: 'WebGPU is present but no GPU adapter is available (disabled, blocklisted or no GPU)' };
  const info = adapter.info;
  const desc = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  const software = /swiftshader|lavapipe|llvmpipe|software/i.test(desc) || Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
  return { adapter: desc, software };
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tfjs could not start the ${name} backend`;
    await tf.ready();
    // A first op proves the backend really computes (WebGL can fail only at the first shader).
    const t = tf.add(tf.scalar(1), tf.scalar(2));
    const v = (await t.data())[0];
    t.dispose();
    return v === 3 ? null : `the ${name} backend computed 1 + 2 = ${v}`;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/**
 * Starts the best available backend. `forced` (from `?backend=`) restricts the choice to one backend,
 * still falling back to the CPU when it fails, so the page always runs.
 */
export async function chooseBackend(forced?: BackendName | null): Promise<BackendInfo> {
  // Production mode: no debug checks or warnings (IS_TEST would add a memory-leak check to every kernel).
  tf.enableProdMode();
  const skipped: BackendInfo['skipped'] = [];
  const order: BackendName[] = forced ? [forced, ...(forced === 'cpu' ? [] : (['cpu'] as BackendName[]))] : [...BACKENDS];
  if (forced) for (const b of BACKENDS) if (b !== forced && b !== 'cpu') skipped.push({ name: b, why: `not requested (?backend=${forced})` });
  for (const name of order) {
    if (name === 'webgpu') {
      const probe = await probeWebGPU();
      if ('why' in probe) {
        skipped.push({ name, why: probe.why });
        continue;
      }
      const err = await trySet('webgpu');
      if (err) {
        skipped.push({ name, why: err });
        continue;
      }
      return {
        name,
        adapter: probe.adapter,
        software: probe.software,
        skipped,
        reason: probe.software
          ? `WebGPU runs on a software adapter (${probe.adapter}): correct, but slower than a real GPU.`
          : `WebGPU runs on your GPU (${probe.adapter}).`,
      };
    }
    if (name === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
      skipped.push({ name, why: 'no OffscreenCanvas in this worker' });
      continue;
    }
    const err = await trySet(name);
    if (err) {
      skipped.push({ name, why: err });
      continue;
    }
    const before = skipped.map((s) => `${label(s.name)}: ${s.why}`).join('; ');
    return {
      name,
      software: name === 'cpu',
      skipped,
      reason:
        name === 'webgl'
          ? `WebGL runs instead of WebGPU (${before}).`
          : `Plain JavaScript on the CPU: slow, but works everywhere${before ? ` (${before})` : ''}.`,
    };
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}`);
}

/**
 * On a software WebGPU adapter (SwiftShader, lavapipe), makes tfjs-webgpu use its 'small output' matmul
 * program for every matrix product. tfjs picks MatMulReduceProgram for products with ≤ 128 outputs, which
 * on SwiftShader costs ~150 ms a call against ~2.4 ms for MatMulSmallOutputSizeProgram (flag value 2):
 * the cached sampler, all small products, ran ~30× slower for it. Measured with e2e/sample.spec.ts
 * ("sampling speed": 4 images of the 8×8 test models, Chromium's SwiftShader, 2 loaded cores): 12 → 293
 * sub-pixels/s (binary PixelCNN), 12 → 148 (RGB PixelCNN), 13 → 290 (Row LSTM). Training steps of the same
 * models got ~20 % faster too (Dawn + SwiftShader in Node). Real GPUs keep tfjs's own choice. Returns
 * whether the flag was set.
 */
export function preferSmallMatmulOnSoftware(info: BackendInfo): boolean {
  if (info.name !== 'webgpu' || !info.software) return false;
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', 2); // MatMulProgramType.MatMulSmallOutputSizeProgram
  return true;
}

/**
 * Watches the WebGPU device of the active backend: `onLost` when the device is lost (driver reset, GPU
 * removed, or destroyed), `onError` for validation/out-of-memory errors nobody caught. No-op elsewhere.
 */
export function watchDevice(onLost: (message: string) => void, onError: (message: string) => void): void {
  const device = currentDevice();
  if (!device) return;
  void device.lost.then((info) => onLost(`The GPU device was lost (${info.reason || 'unknown reason'}${info.message ? `: ${info.message}` : ''}).`));
  device.addEventListener('uncapturederror', (ev) => onError((ev as GPUUncapturedErrorEvent).error.message));
}

/** The GPUDevice of tfjs's WebGPU backend, when it is the active one. */
export function currentDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GPUDevice }).device ?? null;
}
