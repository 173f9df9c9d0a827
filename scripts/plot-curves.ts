/**
 * Learning curves of training runs as one SVG: validation NLL against CPU-hours, one panel per dataset
 * (binarised MNIST in nats per image, Emoji-32 in bits/dim), one line per run.
 *
 *   npx tsx scripts/plot-curves.ts [--out docs/learning-curves.svg] [--data docs/curves.json] DIR ...
 *
 * Each DIR is a run or model folder whose model.json card has a `curve` (the PyTorch trainer writes one:
 * step, wallHours, cpuHours, validBitsPerDim, validNats per validation). The curves are also written to
 * --data as JSON, so the figure can be redrawn without the runs (`--from docs/curves.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCard } from '../src/core/io/card';

interface Point {
  step: number;
  cpuHours: number;
  validBitsPerDim: number;
  validNats: number;
}
interface Curve {
  label: string;
  dataset: string;
  params: number;
  points: Point[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'docs/learning-curves.svg' },
    data: { type: 'string', default: 'docs/curves.json' },
    from: { type: 'string' },
  },
});

function readRun(dir: string): Curve {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const card = parseCard(json.userDefinedMetadata?.card, join(dir, 'model.json'));
  if (!card.curve || card.curve.length === 0) throw new Error(`${dir}: its card has no learning curve`);
  const c = json.modelTopology.config;
  return {
    label: `${basename(dir)} (${c.layers}×h${c.hidden}, ${Math.round((card.parameters ?? 0) / 1000)}k params)`,
    dataset: card.dataset?.name ?? (c.output === 'binary' ? 'mnist' : 'emoji32'),
    params: card.parameters ?? 0,
    // Points without a CPU time or a validation figure cannot be placed on these axes.
    points: card.curve.flatMap((p) => (p.cpuHours !== undefined && p.validBitsPerDim !== undefined && p.validNats !== undefined ? [{ step: p.step, cpuHours: p.cpuHours, validBitsPerDim: p.validBitsPerDim, validNats: p.validNats }] : [])),
  };
}

const curves: Curve[] = values.from ? JSON.parse(readFileSync(values.from, 'utf8')) : positionals.map(readRun);
if (!values.from) writeFileSync(values.data!, JSON.stringify(curves, null, 1) + '\n');

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const PANEL_W = 520;
const PANEL_H = 340;
const M = { left: 62, right: 16, top: 34, bottom: 44 };

function panel(dataset: string, title: string, unit: string, value: (p: Point) => number, x0: number): string {
  const mine = curves.filter((c) => c.dataset === dataset);
  if (!mine.length) return '';
  const pts = mine.flatMap((c) => c.points);
  const xs = pts.map((p) => p.cpuHours);
  const ys = pts.map(value).filter(Number.isFinite);
  const xMax = Math.max(...xs) * 1.05 || 1;
  // The first validations are far above the rest: clip the y range to the interesting part.
  const sorted = [...ys].sort((a, b) => a - b);
  const yMin = sorted[0]!;
  const yMax = Math.min(sorted[sorted.length - 1]!, yMin + 3 * (sorted[Math.floor(sorted.length * 0.5)]! - yMin) + 1e-9);
  const pad = (yMax - yMin) * 0.05 || 0.1;
  const [lo, hi] = [yMin - pad, yMax + pad];
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const sx = (x: number) => x0 + M.left + (x / xMax) * w;
  const sy = (y: number) => M.top + (1 - (Math.min(y, hi) - lo) / (hi - lo)) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + PANEL_W / 2}" y="20" text-anchor="middle" font-weight="bold">${title}</text>`);
  out.push(`<rect x="${x0 + M.left}" y="${M.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 5; i++) {
    const yv = lo + ((hi - lo) * i) / 5;
    const xv = (xMax * i) / 5;
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + M.left + w}" y1="${sy(yv)}" y2="${sy(yv)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + M.left - 6}" y="${sy(yv) + 4}" text-anchor="end" font-size="11">${yv.toFixed(dataset === 'mnist' ? 1 : 2)}</text>`);
    out.push(`<text x="${sx(xv)}" y="${M.top + h + 16}" text-anchor="middle" font-size="11">${xv.toFixed(2)}</text>`);
  }
  out.push(`<text x="${x0 + M.left + w / 2}" y="${PANEL_H - 8}" text-anchor="middle" font-size="12">CPU-hours (process CPU time, all threads)</text>`);
  out.push(`<text transform="translate(${x0 + 14},${M.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">validation ${unit}</text>`);
  mine.forEach((c, i) => {
    const color = COLORS[(curves.indexOf(c)) % COLORS.length]!;
    const d = c.points.filter((p) => Number.isFinite(value(p))).map((p, j) => `${j ? 'L' : 'M'}${sx(p.cpuHours).toFixed(1)},${sy(value(p)).toFixed(1)}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of c.points.filter((q) => Number.isFinite(value(q))))
      out.push(`<circle cx="${sx(p.cpuHours).toFixed(1)}" cy="${sy(value(p)).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const last = c.points[c.points.length - 1]!;
    out.push(`<text x="${x0 + M.left + 8}" y="${M.top + 16 + 15 * i}" font-size="11" fill="${color}">${c.label}: ${value(last).toFixed(dataset === 'mnist' ? 2 : 3)}</text>`);
  });
  return out.join('\n');
}

const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * PANEL_W}" height="${PANEL_H}" font-family="sans-serif" font-size="12">`,
  `<rect width="100%" height="100%" fill="white"/>`,
  panel('mnist', 'Binarized MNIST', 'nats per image', (p) => p.validNats, 0),
  panel('emoji32', 'Emoji-32', 'bits/dim', (p) => p.validBitsPerDim, PANEL_W),
  '</svg>',
].join('\n');
writeFileSync(values.out!, svg + '\n');
console.log(`wrote ${values.out} (${curves.length} curves) and ${values.from ? '' : values.data}`);
