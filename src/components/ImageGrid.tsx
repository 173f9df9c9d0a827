import { useEffect, useMemo, useRef, useState } from 'react';
import type { ModelConfig } from '../core/models/config';
import { clientToCanvas, drawGrid, gridHit, gridLayout, type ImageShape } from '../canvas/pixels';
import { moveCursor, type PixelAt } from './pixelCursor';

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

/**
 * A batch of images on one canvas, redrawn at most once per animation frame. With `onPick` it is a pixel
 * picker for the pointer and the keyboard (Tab to it, arrows move a cursor, Enter or Space picks).
 */
export function ImageGrid({ images, count, config, done, highlight, hidden, selected, onPick, maxCols = 8, zoom, testId, label }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const shape = useMemo(() => shapeOf(config), [config]);
  const layout = useMemo(() => gridLayout(count, shape, maxCols), [count, shape, maxCols]);
  const frame = useRef(0);
  const [cursor, setCursor] = useState<PixelAt | null>(null);
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
      const mark = (p: PixelAt, colour: string) => {
        const x = (p.index % layout.cols) * (shape.width + layout.gap) + p.col;
        const y = Math.floor(p.index / layout.cols) * (shape.height + layout.gap) + p.row;
        ctx.strokeStyle = colour;
        ctx.lineWidth = 0.25;
        ctx.strokeRect(x - 0.125, y - 0.125, 1.25, 1.25);
      };
      if (selected) mark(selected, '#ffd166');
      if (cursor && onPick) mark(cursor, '#7aa2ff');
    });
    return () => cancelAnimationFrame(frame.current);
  }, [images, count, shape, layout, done, hidden, highlight, selected, cursor, onPick]);

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!onPick || !canvas.current) return;
    const p = clientToCanvas(e.clientX, e.clientY, canvas.current.getBoundingClientRect(), layout.pxWidth, layout.pxHeight);
    const hit = gridHit(p.x, p.y, count, shape, layout);
    if (!hit) return;
    // The click focused the picker: the arrow keys go on from the pixel clicked.
    setCursor(hit);
    onPick(hit);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLCanvasElement>) => {
    if (!onPick) return;
    const at = cursor ?? selected ?? { index: 0, row: 0, col: 0 };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setCursor(at);
      onPick(at);
      return;
    }
    const next = moveCursor(at, e.key, count, shape, layout);
    if (!next) return;
    e.preventDefault();
    setCursor(next);
  };
  const at = cursor ?? selected;

  return (
    <canvas
      ref={canvas}
      className={`pixels${onPick ? ' pickable' : ''}`}
      width={layout.pxWidth}
      height={layout.pxHeight}
      // Width, and the height from the aspect ratio: on a narrow screen max-width: 100% (styles.css) scales it down whole.
      style={{ width: layout.pxWidth * z, aspectRatio: `${layout.pxWidth} / ${layout.pxHeight}` }}
      onClick={onClick}
      onKeyDown={onPick ? onKeyDown : undefined}
      onFocus={onPick ? () => setCursor((c) => c ?? selected ?? { index: 0, row: 0, col: 0 }) : undefined}
      onBlur={onPick ? () => setCursor(null) : undefined}
      tabIndex={onPick ? 0 : undefined}
      data-testid={testId}
      data-cursor={onPick && cursor ? `${cursor.index},${cursor.row},${cursor.col}` : undefined}
      data-cols={layout.cols}
      data-gap={layout.gap}
      role={onPick ? 'application' : 'img'}
      aria-roledescription={onPick ? 'pixel picker' : undefined}
      aria-label={onPick ? `${label}: arrow keys move the cursor${at ? ` (now image ${at.index + 1}, row ${at.row}, column ${at.col})` : ''}, Enter picks the pixel` : label}
    />
  );
}
