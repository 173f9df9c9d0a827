/**
 * The backend decision as a pure function of what was probed and measured, so it is tested without a
 * browser: which backends to calibrate, and which one wins.
 *
 * 1) `?backend=` forces one: it runs if this browser has it; otherwise the person is told why and the
 *    choice falls back to measurement.
 * 2) Otherwise every available backend is measured, except GPUs emulated on the CPU (SwiftShader,
 *    lavapipe): there tfjs's own CPU paths are faster (WebGPU on SwiftShader sampled 4–6× slower than the
 *    cpu backend and fine-tuned at 0.1 images/s, DESIGN.md), and compiling their shaders alone would cost
 *    more seconds than the whole calibration.
 * 3) The fastest measured backend wins; with no measurement at all, the first available in BACKENDS order.
 */
import { BACKENDS, label, unit, type BackendChoice, type BackendName, type Job, type Measurement, type Probe } from './names';

export interface Plan {
  /** Forced and available: run it, measure nothing. */
  forced: BackendName | null;
  /** Backends to measure, in this order. */
  measure: BackendName[];
  /** The others, with why they are not measured (shown with the figures). */
  skipped: Measurement[];
  /** Set when `?backend=` named a backend this browser cannot run. */
  forcedProblem: string | null;
}

export function plan(probes: Probe[], forced: BackendName | null): Plan {
  const byName = new Map(probes.map((p) => [p.name, p]));
  const f = forced ? byName.get(forced) : undefined;
  if (forced && f?.available) return { forced, measure: [], skipped: [], forcedProblem: null };
  const forcedProblem = forced ? `?backend=${forced} cannot run here (${f?.detail ?? 'not probed'}), so the backend was chosen by measurement.` : null;
  const measure: BackendName[] = [];
  const skipped: Measurement[] = [];
  for (const name of BACKENDS) {
    const p = byName.get(name);
    if (!p?.available) skipped.push({ name, rate: null, note: p ? `unavailable: ${p.detail}` : 'not probed' });
    else if (p.software) skipped.push({ name, rate: null, note: `not measured: a software GPU (${p.detail}), slower than the CPU backends` });
    else measure.push(name);
  }
  // Nothing measurable (only software GPUs): measure them after all rather than guess.
  if (measure.length === 0) for (const p of probes) if (p.available) measure.push(p.name);
  return { forced: null, measure, skipped: skipped.filter((s) => !measure.includes(s.name)), forcedProblem };
}

/** The figure as the badge prints it: "1,234 sub-pixels/s". */
export function figure(rate: number, job: Job): string {
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit(job)}`;
}

/** Picks the backend for a job from a plan and the measurements of its `measure` list. */
export function pick(job: Job, p: Plan, measured: Measurement[]): BackendChoice {
  if (p.forced) return { job, name: p.forced, how: 'forced', measurements: [], reason: `${label(p.forced)}, as ?backend=${p.forced} asks.` };
  const all = [...measured, ...p.skipped];
  const rated = measured.filter((m): m is Measurement & { rate: number } => m.rate !== null && Number.isFinite(m.rate) && m.rate > 0);
  const problem = p.forcedProblem ? { problem: p.forcedProblem } : {};
  if (rated.length === 0) {
    const name = p.measure[0] ?? 'cpu';
    const why = p.measure.length === 1 ? 'the only backend to measure here' : 'nothing could be measured, so the first available backend runs';
    return { job, name, how: 'default', measurements: all, reason: `${label(name)}: ${why}.`, ...problem };
  }
  const best = rated.reduce((a, b) => (b.rate > a.rate ? b : a));
  const others = rated.filter((m) => m !== best).map((m) => `${label(m.name)} ${figure(m.rate, job)}`);
  const vs = others.length ? ` (${others.join(', ')})` : '';
  return {
    job,
    name: best.name,
    how: 'measured',
    measurements: all,
    reason: `${label(best.name)} was the fastest for ${job} here: ${figure(best.rate, job)}${vs}.`,
    ...problem,
  };
}

/** The calibration cache key of a model shape: its config without the seed (weights do not change speed). */
export function shapeKey(config: object): string {
  const { seed: _seed, ...rest } = config as Record<string, unknown>;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify(sorted);
}

/** The device key: what was probed (adapters, wasm features), the core count and the browser. */
export function deviceKey(probes: Probe[], extra: { cores: number; agent: string; isolated: boolean }): string {
  return JSON.stringify({ probes: probes.map((p) => [p.name, p.available, p.software, p.detail]), ...extra });
}
