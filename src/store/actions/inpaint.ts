/** The Inpaint tab: a picture (test image or upload), an occlusion mask with undo, and completions. */
import { toModelInput } from '../../core/data/image';
import { loadDataset } from '../../core/data/dataset';
import { decodeFile } from '../../canvas/decode';
import { bottomHalf, hiddenCount, knownMask } from '../../canvas/mask';
import type { AppState } from '../state';
import { getState, patch, setState } from '../store';
import { effectiveClass, runJob } from './sample';

const UNDO_LIMIT = 50;

export function inputShape(config: NonNullable<AppState['model']['config']>) {
  return { height: config.height, width: config.width, channels: config.channels, binary: config.output === 'binary' };
}

/** Test images of the selected model's dataset, converted to the model's input (cached per dataset and size). */
const galleries = new Map<string, Promise<Uint8Array[]>>();

export function testImages(): Promise<Uint8Array[]> {
  const { model, registry } = getState();
  const entry = registry.models.find((m) => m.id === model.id);
  if (!model.config || !entry) return Promise.resolve([]);
  const c = model.config;
  const key = `${entry.dataset}/${c.height}x${c.width}x${c.channels}/${c.output}`;
  let p = galleries.get(key);
  if (!p) {
    p = loadGallery(entry.dataset, c);
    galleries.set(key, p);
    p.catch(() => galleries.delete(key));
  }
  return p;
}

async function loadGallery(dataset: string, c: NonNullable<AppState['model']['config']>, n = 12): Promise<Uint8Array[]> {
  const base = new URL(`data/${dataset}`, document.baseURI).href;
  const fetchBytes = async (path: string): Promise<Uint8Array> => {
    const res = await fetch(path);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const ds = await loadDataset(fetchBytes, base, { splits: ['test'] });
  const [h, w, ch] = ds.shape;
  const all = ds.images('test');
  const fixed = ds.fixedBinary('test');
  const out: Uint8Array[] = [];
  for (let i = 0; i < Math.min(n, ds.count('test')); i++) {
    const binary = c.output === 'binary';
    if (h === c.height && w === c.width && ch === c.channels) {
      if (binary && fixed) out.push(fixed.slice(i * h * w, (i + 1) * h * w));
      else if (binary) out.push(all.slice(i * h * w, (i + 1) * h * w).map((v) => (v >= 128 ? 1 : 0)));
      else out.push(all.slice(i * h * w * ch, (i + 1) * h * w * ch));
      continue;
    }
    // Another size or colour depth than the model's: through the same path as an upload.
    const rgba = new Uint8ClampedArray(h * w * 4);
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) rgba[p * 4 + k] = all[(i * h * w + p) * ch + (ch === 3 ? k : 0)]!;
      rgba[p * 4 + 3] = 255;
    }
    out.push(toModelInput(rgba, w, h, { height: c.height, width: c.width, channels: c.channels, ...(binary ? { binarize: { threshold: 128 } } : {}) }));
  }
  return out;
}

export function pickImage(pixels: Uint8Array, name: string): void {
  const config = getState().model.config;
  if (!config) return;
  setState((s) => ({
    inpaint: { ...s.inpaint, source: pixels, sourceName: name, mask: s.inpaint.mask ?? bottomHalf(config), undo: [], message: null, run: { ...s.inpaint.run, status: 'idle', images: null } },
  }));
}

export async function uploadInpaintImage(file: File): Promise<void> {
  const config = getState().model.config;
  if (!config) return;
  const d = await decodeFile(file, inputShape(config));
  if (d.ok) pickImage(d.pixels, d.name);
  else patch('inpaint', { message: d.message });
}

/** Replaces the mask, keeping the old one for undo. */
export function setMask(mask: Uint8Array): void {
  setState((s) => ({ inpaint: { ...s.inpaint, mask, undo: s.inpaint.mask ? [...s.inpaint.undo, s.inpaint.mask].slice(-UNDO_LIMIT) : s.inpaint.undo } }));
}

/** During a stroke: the live mask, without an undo entry per pointer move. */
export function previewMask(mask: Uint8Array): void {
  patch('inpaint', { mask });
}

export function undoMask(): void {
  setState((s) => {
    const prev = s.inpaint.undo.at(-1);
    return prev ? { inpaint: { ...s.inpaint, mask: prev, undo: s.inpaint.undo.slice(0, -1) } } : {};
  });
}

export function hideBottomHalf(): void {
  const c = getState().model.config;
  if (c) setMask(bottomHalf(c));
}

export function clearMask(): void {
  const c = getState().model.config;
  if (c) setMask(new Uint8Array(c.height * c.width));
}

export function setInpaint(v: Partial<Pick<AppState['inpaint'], 'tool' | 'brush' | 'count' | 'seed' | 'drawClass'>>): void {
  patch('inpaint', v);
}

/** Samples `count` completions: visible sub-pixels stay exactly as they are, hidden ones are drawn in raster × RGB order. */
export async function complete(): Promise<void> {
  const { inpaint, model } = getState();
  if (!inpaint.source || !inpaint.mask || !model.config) return;
  if (hiddenCount(inpaint.mask) === 0) {
    patch('inpaint', { message: 'Nothing is hidden: paint over part of the picture first.' });
    return;
  }
  patch('inpaint', { message: null });
  const known = { image: inpaint.source, mask: knownMask(inpaint.mask, model.config.channels) };
  await runJob({ count: inpaint.count, seed: inpaint.seed, temperature: 1, known, drawClass: effectiveClass(inpaint.drawClass) }, (run) =>
    setState((s) => ({ inpaint: { ...s.inpaint, run: { ...s.inpaint.run, ...Object.fromEntries(Object.entries(run).filter(([, v]) => v !== undefined)) } } })),
  );
}

/** Ends a stroke: `after` becomes the mask, `before` (the mask when the stroke began) the undo entry. */
export function commitStroke(before: Uint8Array, after: Uint8Array): void {
  setState((s) => ({ inpaint: { ...s.inpaint, mask: after, undo: [...s.inpaint.undo, before].slice(-UNDO_LIMIT) } }));
}
