/**
 * Pure pixel arithmetic for drawing: model images (uint8 [B,H,W,C], binary 0/1 or 0..255) → RGBA,
 * and grid layout. No DOM here except the thin `putImages` at the end.
 */

export interface ImageShape {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Binary images hold 0/1: shown as black (0) and white (1). */
  binary: boolean;
}

/** RGBA of image `index` of a batch. `hidden` (H·W, 1 = hidden) shows those pixels as a checker pattern. */
export function toRGBA(images: Uint8Array, index: number, shape: ImageShape, hidden?: Uint8Array | null): Uint8ClampedArray<ArrayBuffer> {
  const { height: H, width: W, channels: C, binary } = shape;
  const out = new Uint8ClampedArray(H * W * 4);
  const base = index * H * W * C;
  const scale = binary ? 255 : 1;
  for (let p = 0; p < H * W; p++) {
    const o = p * 4;
    if (hidden && hidden[p]) {
      const y = Math.floor(p / W);
      const x = p % W;
      const v = (x + y) % 2 === 0 ? 70 : 110;
      out[o] = v;
      out[o + 1] = v * 0.7;
      out[o + 2] = v * 1.3;
    } else if (C === 1) {
      const v = images[base + p]! * scale;
      out[o] = out[o + 1] = out[o + 2] = v;
    } else {
      out[o] = images[base + p * 3]!;
      out[o + 1] = images[base + p * 3 + 1]!;
      out[o + 2] = images[base + p * 3 + 2]!;
    }
    out[o + 3] = 255;
  }
  return out;
}

/** Images that are not yet drawn (sub-pixel index ≥ done) are shown dimmed as "still to come". */
export function pendingMask(shape: ImageShape, done: number): Uint8Array | null {
  const { height: H, width: W, channels: C } = shape;
  if (done >= H * W * C) return null;
  const m = new Uint8Array(H * W);
  // Pixel p is complete once all its C sub-pixels are done.
  for (let p = Math.floor(done / C); p < H * W; p++) m[p] = 1;
  return m;
}

export interface GridLayout {
  cols: number;
  rows: number;
  /** Gap between images, in image pixels. */
  gap: number;
  /** Canvas size in image pixels. */
  pxWidth: number;
  pxHeight: number;
}

export function gridLayout(count: number, shape: Pick<ImageShape, 'height' | 'width'>, maxCols = 8, gap = 1): GridLayout {
  const cols = Math.max(1, Math.min(count, maxCols));
  const rows = Math.max(1, Math.ceil(count / cols));
  return { cols, rows, gap, pxWidth: cols * shape.width + (cols - 1) * gap, pxHeight: rows * shape.height + (rows - 1) * gap };
}

/** Which image and pixel a point (in canvas image-pixel units) falls on, or null for gaps and outside. */
export function gridHit(x: number, y: number, count: number, shape: Pick<ImageShape, 'height' | 'width'>, layout: GridLayout): { index: number; row: number; col: number } | null {
  const cx = Math.floor(x / (shape.width + layout.gap));
  const cy = Math.floor(y / (shape.height + layout.gap));
  const col = Math.floor(x - cx * (shape.width + layout.gap));
  const row = Math.floor(y - cy * (shape.height + layout.gap));
  if (cx < 0 || cy < 0 || cx >= layout.cols || col >= shape.width || row >= shape.height || col < 0 || row < 0) return null;
  const index = cy * layout.cols + cx;
  return index < count ? { index, row, col } : null;
}

/** A client-space pointer position → canvas pixel units (the canvas is scaled by CSS). */
export function clientToCanvas(clientX: number, clientY: number, rect: { left: number; top: number; width: number; height: number }, pxWidth: number, pxHeight: number): { x: number; y: number } {
  return { x: ((clientX - rect.left) / rect.width) * pxWidth, y: ((clientY - rect.top) / rect.height) * pxHeight };
}

/** Draws a batch as a grid on a 2D context whose canvas is layout.pxWidth × layout.pxHeight. */
export function drawGrid(
  ctx: CanvasRenderingContext2D,
  images: Uint8Array,
  count: number,
  shape: ImageShape,
  layout: GridLayout,
  options: { done?: number; hidden?: Uint8Array | null; highlight?: { row: number; col: number } | null } = {},
): void {
  ctx.fillStyle = '#0b0d12';
  ctx.fillRect(0, 0, layout.pxWidth, layout.pxHeight);
  const pending = options.done === undefined ? null : pendingMask(shape, options.done);
  for (let i = 0; i < count; i++) {
    const rgba = toRGBA(images, i, shape, options.hidden ?? null);
    if (pending) dim(rgba, pending);
    const x = (i % layout.cols) * (shape.width + layout.gap);
    const y = Math.floor(i / layout.cols) * (shape.height + layout.gap);
    ctx.putImageData(new ImageData(rgba, shape.width, shape.height), x, y);
    if (options.highlight) {
      ctx.fillStyle = 'rgba(255, 80, 60, 0.95)';
      ctx.fillRect(x + options.highlight.col, y + options.highlight.row, 1, 1);
    }
  }
}

function dim(rgba: Uint8ClampedArray<ArrayBuffer>, pending: Uint8Array): void {
  for (let p = 0; p < pending.length; p++) {
    if (!pending[p]) continue;
    const o = p * 4;
    rgba[o] = 28 + rgba[o]! * 0.1;
    rgba[o + 1] = 32 + rgba[o + 1]! * 0.1;
    rgba[o + 2] = 44 + rgba[o + 2]! * 0.1;
  }
}
