import type { SampleRun } from '../store/state';

const CH = ['R', 'G', 'B'];

/** Sampling progress: bar, current pixel and colour, speed. */
export function Progress({ run }: { run: SampleRun }) {
  if (run.status === 'idle' || !run.config) return null;
  const C = run.config.channels;
  return (
    <div className="progress" data-testid="progress">
      <progress value={run.done} max={run.total || 1} />
      <span>
        {run.status === 'running'
          ? `pixel (${run.row}, ${run.col})${C === 3 ? ` ${CH[run.channel]}` : ''} · ${run.done}/${run.total} sub-pixels`
          : run.status === 'done'
            ? 'done'
            : run.status === 'stopped'
              ? `stopped at ${run.done}/${run.total}`
              : run.status}
        {run.subPixelsPerSecond > 0 && ` · ${run.subPixelsPerSecond.toFixed(0)} sub-pixels/s`}
        {run.readbacks !== null && run.status !== 'running' && ` · drawn on the GPU, ${run.readbacks} read-backs`}
      </span>
    </div>
  );
}
