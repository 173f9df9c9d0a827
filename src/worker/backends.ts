/**
 * The backend of a worker for one model: forced by `?backend=`, taken from the page's cache of earlier
 * calibrations (per device and model shape), or calibrated now. Shared by the sampling and training
 * workers; the decisions are in src/gpu.
 */
import { calibrate } from '../gpu/calibrate';
import { plan, pick, shapeKey } from '../gpu/choice';
import { probeAll, useBackend, watchDevice } from '../gpu/backend';
import type { BackendChoice, BackendName, Environment, Job, Measurement } from '../gpu/names';
import type { ModelConfig } from '../core/index';
import type { BackendRequest } from './protocol';
import type { Notice } from './rpc';

let env: Promise<Environment> | null = null;

/** The probes of this worker's browser (once per worker). */
export function environment(): Promise<Environment> {
  env ??= probeAll();
  return env;
}

/** Starts the backend a job would get with nothing measured: the forced one, else the first in BACKENDS order that is no software GPU. */
export async function startDefault(forced: BackendName | null): Promise<Environment> {
  const e = await environment();
  const p = plan(e.probes, forced);
  await useBackend(p.forced ?? p.measure[0] ?? 'cpu', e);
  return e;
}

export async function chooseFor(
  job: Job,
  config: ModelConfig,
  request: BackendRequest,
  batch: number,
  onMeasured?: (m: Measurement) => void,
): Promise<{ choice: BackendChoice; shapeKey: string; env: Environment }> {
  const e = await environment();
  const key = shapeKey(config);
  const p = plan(e.probes, request.forced);
  const cached = request.known[key];
  let choice: BackendChoice;
  if (p.forced) choice = pick(job, p, []);
  else if (cached && p.measure.includes(cached.name)) {
    const { problem: _old, ...rest } = cached;
    choice = { ...rest, how: 'cached', ...(p.forcedProblem ? { problem: p.forcedProblem } : {}) };
  } else if (p.measure.length === 1) choice = pick(job, p, []);
  else choice = await calibrate(job, config, p, e, { batch, onProgress: onMeasured });
  return { choice, shapeKey: key, env: e };
}

/** Makes the choice the active backend and reports a lost GPU device or uncaught GPU errors as notices. */
export async function activate(choice: BackendChoice, e: Environment, notify: (n: Notice) => void): Promise<void> {
  await useBackend(choice.name, e);
  watchDevice(
    (message) => notify({ type: 'deviceLost', message }),
    (message) => notify({ type: 'gpuError', message }),
  );
}
