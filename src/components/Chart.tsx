import type { TrainPoint } from '../store/state';

interface Series {
  name: string;
  colour: string;
  points: TrainPoint[];
}

/** A small line chart (SVG) of one or more series against training steps. */
export function Chart({ title, series, unit, testId }: { title: string; series: Series[]; unit: string; testId?: string }) {
  const all = series.flatMap((s) => s.points);
  const W = 320;
  const H = 150;
  const pad = { l: 40, r: 8, t: 8, b: 18 };
  if (all.length === 0)
    return (
      <figure className="chart" data-testid={testId} data-points={0}>
        <svg viewBox={`0 0 ${W} ${H}`} />
        <figcaption>{title}: waiting for the first step…</figcaption>
      </figure>
    );
  const x0 = Math.min(...all.map((p) => p.step));
  const x1 = Math.max(...all.map((p) => p.step), x0 + 1);
  let y0 = Math.min(...all.map((p) => p.value));
  let y1 = Math.max(...all.map((p) => p.value));
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (s: number) => pad.l + ((s - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const last = series.map((s) => s.points.at(-1)).filter(Boolean) as TrainPoint[];
  return (
    <figure className="chart" data-testid={testId} data-points={series[0]?.points.length ?? 0}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <g fontSize="9" fill="currentColor" opacity="0.6">
          <text x={2} y={pad.t + 8}>{y1.toFixed(2)}</text>
          <text x={2} y={H - pad.b}>{y0.toFixed(2)}</text>
          <text x={pad.l} y={H - 4}>step {x0}</text>
          <text x={W - pad.r} y={H - 4} textAnchor="end">
            {x1}
          </text>
        </g>
        {series.map((s) => (
          <g key={s.name}>
            <polyline fill="none" stroke={s.colour} strokeWidth={1.5} points={s.points.map((p) => `${sx(p.step).toFixed(1)},${sy(p.value).toFixed(1)}`).join(' ')} />
            {s.points.length === 1 && <circle cx={sx(s.points[0]!.step)} cy={sy(s.points[0]!.value)} r={2.5} fill={s.colour} />}
          </g>
        ))}
      </svg>
      <figcaption>
        {title}
        {series.map((s, i) => (
          <span key={s.name} style={{ color: s.colour }}>
            {' '}
            · {s.name} {last[i] ? `${last[i]!.value.toFixed(3)} ${unit}` : ''}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
