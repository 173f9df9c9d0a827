/** Backend names and the report of which one runs and why: no tfjs here, so the page can import it. */

export type BackendName = 'webgpu' | 'webgl' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** One sentence for the badge: why this backend runs. */
  reason: string;
  /** Adapter description for WebGPU, e.g. "google swiftshader". */
  adapter?: string;
  /** True when the GPU is emulated on the CPU (SwiftShader, lavapipe): correct but slow. */
  software: boolean;
  /** The backends that were tried before this one, with why each failed. */
  skipped: Array<{ name: BackendName; why: string }>;
}

export function isBackendName(v: unknown): v is BackendName {
  return typeof v === 'string' && (BACKENDS as readonly string[]).includes(v);
}

export function label(name: BackendName): string {
  return name === 'webgpu' ? 'WebGPU' : name === 'webgl' ? 'WebGL' : 'CPU';
}
