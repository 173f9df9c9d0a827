/**
 * Sampling a Multi-Scale PixelRNN in the sampling worker (SPEC.md §3): 1) the small images, pixel by pixel,
 * with the unconditional small model; 2) the large images given them, with the conditional large model. Both
 * stages use the app's one sampler (./sampler: cached, or drawn on the device on WebGPU), with the seeds of
 * MultiScaleModel.sample. Frames show the small images enlarged to the large size, then the large images drawn
 * over them, so the page shows the picture refined in place (coarse to fine).
 */
import { enlarge, type PixelModel, type SampleOptions } from '../core/index';
import type { SampleDone, SampleFrame } from './protocol';
import { FRAME_MS, sample } from './sampler';

/** The seed of the small stage, as MultiScaleModel.sample derives it (the large stage uses the seed itself). */
export const smallSeed = (seed: number): number => seed ^ 0x5bd1e995;

export interface PairJob {
  count: number;
  seed: number;
  temperature: number;
  signal: AbortSignal;
  emit: (frame: SampleFrame, transfer: Transferable[]) => void;
}

export async function samplePair(small: PixelModel, large: PixelModel, job: PairJob): Promise<SampleDone> {
  const s = small.config;
  const f = large.config.height / s.height;
  const C = s.channels;
  const started = performance.now();
  let steps = 0;
  let readbacks: number | undefined;
  const throttle = () => {
    let last = 0;
    return (done: number, total: number) => {
      const now = performance.now();
      if (now - last < FRAME_MS && done < total) return false;
      last = now;
      return true;
    };
  };
  const common: Pick<SampleOptions, 'count' | 'temperature' | 'signal'> = { count: job.count, temperature: job.temperature, signal: job.signal };

  // 1) The small images: frames carry them as they are and enlarged.
  const due1 = throttle();
  const first = await sample(small, {
    ...common,
    seed: smallSeed(job.seed),
    onStep: (p) => {
      steps = p.done;
      if (!due1(p.done, p.total)) return;
      const frame: SampleFrame = {
        images: enlarge(p.images, job.count, s.height, s.width, C, f),
        small: p.images.slice(),
        done: p.done,
        total: p.total,
        row: p.row,
        col: p.col,
        channel: p.channel,
        stage: 'small',
      };
      job.emit(frame, [frame.images.buffer, frame.small!.buffer]);
    },
  });
  if (first.readbacks !== undefined) readbacks = first.readbacks;
  const backdrop = enlarge(first.images, job.count, s.height, s.width, C, f);
  if (first.stopped) return { images: backdrop, logProb: first.logProb, stopped: true, steps, ms: performance.now() - started, readbacks, small: first.images };

  // 2) The large images given the small ones: each frame over the enlarged small images where not drawn yet.
  const per = large.config.height * large.config.width * C;
  const due2 = throttle();
  const second = await sample(large, {
    ...common,
    seed: job.seed,
    small: first.images,
    onStep: (p) => {
      steps = first.images.length / job.count + p.done;
      if (!due2(p.done, p.total)) return;
      const shown = p.imagesDone ?? p.done; // sub-pixels whose values the frame holds
      const images = backdrop.slice();
      for (let b = 0; b < job.count; b++) images.set(p.images.subarray(b * per, b * per + shown), b * per);
      const frame: SampleFrame = { images, done: p.done, total: p.total, row: p.row, col: p.col, channel: p.channel, stage: 'large' };
      job.emit(frame, [frame.images.buffer]);
    },
  });
  if (second.readbacks !== undefined) readbacks = (readbacks ?? 0) + second.readbacks;
  const logProb = Float64Array.from(second.logProb, (lp, b) => lp + first.logProb[b]!);
  let images = second.images;
  if (second.stopped) {
    images = backdrop.slice();
    const shown = steps - first.images.length / job.count;
    for (let b = 0; b < job.count; b++) images.set(second.images.subarray(b * per, b * per + shown), b * per);
  }
  return { images, logProb, stopped: second.stopped, steps, ms: performance.now() - started, readbacks, small: first.images };
}
