/**
 * The calibrations already made on this device, kept in localStorage: per device key (adapters, wasm
 * features, cores, browser, isolation), per job, per model shape. A new device, browser version or model
 * shape has no entry, so its calibration runs again; `?recalibrate=1` (or clearing site data) forgets them.
 */
import type { BackendChoice, Job } from '../gpu/names';

const KEY = 'pixelrnn-lab/calibration@1';

type Store = Record<string, Partial<Record<Job, Record<string, BackendChoice>>>>;

/** Storage may be missing or refuse (private windows, tests): then nothing is cached. */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read(): Store {
  try {
    const raw = storage()?.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as unknown) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Store) : {};
  } catch {
    return {};
  }
}

/** Earlier choices for this device and job, by model shape key. */
export function knownChoices(deviceKey: string, job: Job): Record<string, BackendChoice> {
  return read()[deviceKey]?.[job] ?? {};
}

/** Keeps a measured choice (forced and cached ones are not measurements: they are not stored). */
export function remember(deviceKey: string, job: Job, shapeKey: string, choice: BackendChoice): void {
  if (choice.how !== 'measured') return;
  const all = read();
  // One device at a time: a changed device key (new browser version, new GPU) replaces the old entries.
  const mine = { ...(all[deviceKey] ?? {}) };
  mine[job] = { ...(mine[job] ?? {}), [shapeKey]: { ...choice, problem: undefined } };
  try {
    storage()?.setItem(KEY, JSON.stringify({ [deviceKey]: mine }));
  } catch {
    // full or refused: the next load calibrates again
  }
}

export function forgetCalibrations(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    // nothing to forget
  }
}
