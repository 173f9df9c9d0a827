/**
 * Learning-rate schedules, as plain JSON so a checkpoint can store them.
 *
 * 'constant': lr every step.
 * 'cosine' (linear warm-up, then cosine decay), at step s (0-based):
 *   1) warm-up, s < warmupSteps:           lr · (s + 1) / warmupSteps
 *   2) decay, p = (s − warmupSteps) / (totalSteps − warmupSteps), clamped to [0, 1]:
 *                                          lr · (minFactor + (1 − minFactor) · ½ · (1 + cos π·p))
 *   3) after totalSteps:                   lr · minFactor
 * 'warmup': step 1 of 'cosine', then lr constant.
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'warmup'; warmupSteps: number }
  | { kind: 'cosine'; warmupSteps: number; totalSteps: number; minFactor?: number };

export function learningRateAt(baseLr: number, schedule: LrSchedule, step: number): number {
  if (schedule.kind === 'constant') return baseLr;
  const warm = Math.max(0, Math.floor(schedule.warmupSteps));
  if (step < warm) return (baseLr * (step + 1)) / warm;
  if (schedule.kind === 'warmup') return baseLr;
  const min = schedule.minFactor ?? 0;
  const span = Math.max(1, schedule.totalSteps - warm);
  const p = Math.min(1, Math.max(0, (step - warm) / span));
  return baseLr * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'constant') return;
  if (!(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) throw new Error(`schedule: warmupSteps must be a non-negative integer`);
  if (s.kind === 'warmup') return;
  if (s.kind !== 'cosine') throw new Error(`schedule: unknown kind "${String((s as { kind: unknown }).kind)}"`);
  if (!(Number.isInteger(s.totalSteps) && s.totalSteps > 0)) throw new Error('schedule: totalSteps must be a positive integer');
  const m = s.minFactor ?? 0;
  if (!(m >= 0 && m <= 1)) throw new Error('schedule: minFactor must be in [0, 1]');
}
