/**
 * The keyboard cursor of a pixel picker (ImageGrid with onPick): the arrow keys move one pixel across the
 * whole grid (from an image's edge into the next image), Home/End jump to the row's ends, PageUp/PageDown to
 * the previous/next image; Enter or Space picks. Pure, so it is tested without a browser.
 */
import type { GridLayout } from '../canvas/pixels';

export interface PixelAt {
  index: number;
  row: number;
  col: number;
}

/** The cursor after `key`, or null when the key is not one of the picker's. */
export function moveCursor(at: PixelAt, key: string, count: number, shape: { height: number; width: number }, layout: Pick<GridLayout, 'cols'>): PixelAt | null {
  const { height: H, width: W } = shape;
  const cols = layout.cols;
  const rows = Math.ceil(count / cols);
  // Global pixel coordinates across the grid of images (gaps skipped).
  const gx = (at.index % cols) * W + at.col;
  const gy = Math.floor(at.index / cols) * H + at.row;
  const place = (x: number, y: number): PixelAt => {
    const cx = Math.max(0, Math.min(cols * W - 1, x));
    const cy = Math.max(0, Math.min(rows * H - 1, y));
    let index = Math.floor(cy / H) * cols + Math.floor(cx / W);
    if (index >= count) return at; // the empty cells after the last image
    index = Math.max(0, index);
    return { index, row: cy % H, col: cx % W };
  };
  switch (key) {
    case 'ArrowLeft':
      return place(gx - 1, gy);
    case 'ArrowRight':
      return place(gx + 1, gy);
    case 'ArrowUp':
      return place(gx, gy - 1);
    case 'ArrowDown':
      return place(gx, gy + 1);
    case 'Home':
      return { ...at, col: 0 };
    case 'End':
      return { ...at, col: W - 1 };
    case 'PageUp':
      return { ...at, index: Math.max(0, at.index - 1) };
    case 'PageDown':
      return { ...at, index: Math.min(count - 1, at.index + 1) };
    default:
      return null;
  }
}
