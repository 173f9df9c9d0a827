import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrainPoint } from '../store/state';

interface Series {
  name: string;
  colour: string;
  points: TrainPoint[];
}

const HEIGHT = 160;

/**
 * uPlot wants one shared x array: the steps of every series, merged and sorted, with null where a series
 * has no point at a step (lines span the gaps).
 */
export function alignSeries(series: readonly Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.step)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const p of s.points) y[at.get(p.step)!] = p.value;
    return y;
  });
  return [xs, ...ys];
}

/** A line chart (uPlot on a canvas) of one or more series against training steps. */
export function Chart({ title, series, unit, testId }: { title: string; series: Series[]; unit: string; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = alignSeries(series);
  const empty = data[0].length === 0;
  const shape = series.map((s) => `${s.name}:${s.colour}`).join('|');

  // One uPlot per set of series, sized to its box; destroyed on unmount.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ink = getComputedStyle(el).color;
    const grid = { stroke: 'rgba(128,128,128,0.15)', width: 1 };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          { stroke: ink, grid, ticks: grid, size: 28, font: '10px sans-serif' },
          { stroke: ink, grid, ticks: grid, size: 44, font: '10px sans-serif', values: (_u, vals) => vals.map((v) => v.toFixed(2)) },
        ],
        series: [{ label: 'step' }, ...series.map((s) => ({ label: s.name, stroke: s.colour, width: 1.5, spanGaps: true, points: { size: 4 } }))],
      },
      alignSeries(series),
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series themselves change (`shape`); new points go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const last = series.map((s) => s.points.at(-1));
  return (
    <figure className="chart" data-testid={testId} data-points={series[0]?.points.length ?? 0}>
      <div ref={box} className="chart-plot" role="img" aria-label={title} />
      <figcaption>
        {title}
        {empty
          ? ': waiting for the first step…'
          : series.map((s, i) => (
              <span key={s.name} style={{ color: s.colour }}>
                {' '}
                · {s.name} {last[i] ? `${last[i]!.value.toFixed(3)} ${unit}` : ''}
              </span>
            ))}
      </figcaption>
    </figure>
  );
}
