import { useEffect, useMemo, useRef } from 'react';
import type { ModelConfig } from '../core/models/config';
import { clientToCanvas, drawGrid, gridHit, gridLayout, type ImageShape } from '../canvas/pixels';

export function shapeOf(config: ModelConfig): ImageShape {
  return { height: config.height, width: config.width, channels: config.channels, binary: config.output === 'binary' };
}

/** CSS pixels per image pixel of a sample, at least. */
export const MIN_ZOOM = 3;

interface Props {
  images: Uint8Array;
  count: number;
  config: ModelConfig;
  /** Sub-pixels drawn so far (pending pixels are dimmed); omit when finished. */
  done?: number;
  highlight?: { row: number; col: number } | null;
  /** Per-pixel mask (H·W, 1 = hidden) shown as a checker pattern. */
  hidden?: Uint8Array | null;
  selected?: { index: number; row: number; col: number } | null;
  onPick?: (hit: { index: number; row: number; col: number }) => void;
  maxCols?: number;
  /** CSS pixels per image pixel. */
  zoom?: number;
  testId?: string;
  label: string;
}

/** A batch of images on one canvas, redrawn at most once per animation frame. */
export function ImageGrid({ images, count, config, done, highlight, hidden, selected, onPick, maxCols = 8, zoom, testId, label }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const shape = useMemo(() => shapeOf(config), [config]);
  const layout = useMemo(() => gridLayout(count, shape, maxCols), [count, shape, maxCols]);
  const frame = useRef(0);
  // At least 3 CSS pixels per image pixel (a 32-pixel sample ≥ 96 CSS pixels wide: big enough to see), up to
  // 8 for a single image, drawn pixelated (styles.css).
  const z = zoom ?? Math.min(8, Math.max(MIN_ZOOM, Math.floor(720 / Math.max(layout.pxWidth, 1))));

  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const c = canvas.current;
      const ctx = c?.getContext('2d');
      if (!c || !ctx) return;
      drawGrid(ctx, images, count, shape, layout, { done, hidden, highlight });
      if (selected) {
        const x = (selected.index % layout.cols) * (shape.width + layout.gap) + selected.col;
        const y = Math.floor(selected.index / layout.cols) * (shape.height + layout.gap) + selected.row;
        ctx.strokeStyle = '#ffd166';
        ctx.lineWidth = 0.25;
        ctx.strokeRect(x - 0.125, y - 0.125, 1.25, 1.25);
      }
    });
    return () => cancelAnimationFrame(frame.current);
  }, [images, count, shape, layout, done, hidden, highlight, selected]);

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!onPick || !canvas.current) return;
    const p = clientToCanvas(e.clientX, e.clientY, canvas.current.getBoundingClientRect(), layout.pxWidth, layout.pxHeight);
    const hit = gridHit(p.x, p.y, count, shape, layout);
    if (hit) onPick(hit);
  };

  return (
    <canvas
      ref={canvas}
      className={`pixels${onPick ? ' pickable' : ''}`}
      width={layout.pxWidth}
      height={layout.pxHeight}
      style={{ width: layout.pxWidth * z, height: layout.pxHeight * z }}
      onClick={onClick}
      data-testid={testId}
      data-cols={layout.cols}
      data-gap={layout.gap}
      role="img"
      aria-label={label}
    />
  );
}
