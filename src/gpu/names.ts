/**
 * Backend names, what probing and calibration report, and the choice the badge shows: no tfjs here, so
 * the page and the unit tests can import it.
 */

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
/** The order of preference when nothing is measured (a real GPU first, then the CPU paths). */
export const BACKENDS: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** Calibration is separate for the two jobs: the fastest sampler need not be the fastest trainer. */
export type Job = 'sampling' | 'training';

/** What one backend can do here, found without computing anything. */
export interface Probe {
  name: BackendName;
  available: boolean;
  /** True when a "GPU" is emulated on the CPU (SwiftShader, lavapipe, llvmpipe). */
  software: boolean;
  /** The adapter or renderer, the wasm features (SIMD, threads), or why the backend is unavailable. */
  detail: string;
}

/** What the browser offers: one probe per backend, and the key that calibrations are cached under. */
export interface Environment {
  probes: Probe[];
  /** Changes when the device, browser or isolation changes (then calibrations run again). */
  deviceKey: string;
  /** Cross-origin isolated: SharedArrayBuffer exists, so wasm can run threads. */
  isolated: boolean;
}

/** One backend's measured speed for a job, or why it was not measured. */
export interface Measurement {
  name: BackendName;
  /** Sub-pixels/s (sampling) or images/s (training); null when not measured. */
  rate: number | null;
  /** How it was measured ("8 images, 96 steps"), or why not. */
  note: string;
}

/** The backend a job runs on, and why: what the badge shows. */
export interface BackendChoice {
  job: Job;
  name: BackendName;
  /** One sentence for the person. */
  reason: string;
  measurements: Measurement[];
  /** How the choice was made this time. */
  how: 'forced' | 'measured' | 'cached' | 'default';
  /** Set when `?backend=` asked for a backend that cannot run here (shown as a warning). */
  problem?: string;
}

export function isBackendName(v: unknown): v is BackendName {
  return typeof v === 'string' && (BACKENDS as readonly string[]).includes(v);
}

export function label(name: BackendName): string {
  return name === 'webgpu' ? 'WebGPU' : name === 'webgl' ? 'WebGL' : name === 'wasm' ? 'WebAssembly' : 'CPU (JavaScript)';
}

export function unit(job: Job): string {
  return job === 'sampling' ? 'sub-pixels/s' : 'images/s';
}
