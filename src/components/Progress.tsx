import type { SampleRun } from '../store/state';

const CH = ['R', 'G', 'B'];

/**
 * Sampling progress: bar, current pixel and colour, speed. Counts the sub-pixels the model draws: when
 * inpainting, only the hidden ones (the visible ones are kept, not drawn).
 */
export function Progress({ run, what = 'sub-pixels' }: { run: SampleRun; what?: string }) {
  if (run.status === 'idle' || !run.config) return null;
  const C = run.config.channels;
  return (
    <div className="progress" data-testid="progress" data-drawn={run.drawn} data-to-draw={run.toDraw}>
      <progress value={run.drawn} max={run.toDraw || 1} aria-label={`${what} drawn`} />
      <span>
        {run.status === 'running'
          ? `pixel (${run.row}, ${run.col})${C === 3 ? ` ${CH[run.channel]}` : ''} · ${run.drawn}/${run.toDraw} ${what}`
          : run.status === 'done'
            ? `done: ${run.toDraw} ${what}`
            : run.status === 'stopped'
              ? `stopped at ${run.drawn}/${run.toDraw} ${what}`
              : run.status}
        {run.subPixelsPerSecond > 0 && ` · ${run.subPixelsPerSecond.toFixed(0)} sub-pixels/s`}
        {run.readbacks !== null && run.status !== 'running' && ` · drawn on the GPU, ${run.readbacks} read-backs`}
      </span>
    </div>
  );
}
