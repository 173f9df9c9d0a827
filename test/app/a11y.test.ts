/**
 * Keyboard and feedback (issue 14, item 13), the pure parts: the pixel picker's keyboard cursor, and the
 * inpainting progress that counts only the hidden sub-pixels (the visible ones are kept, not drawn).
 */
import { describe, expect, it } from 'vitest';
import { gridLayout } from '../../src/canvas/pixels';
import { moveCursor } from '../../src/components/pixelCursor';
import { drawnCounter } from '../../src/store/actions/sample';

describe('pixel picker keyboard cursor', () => {
  const shape = { height: 4, width: 4 };
  const layout = gridLayout(3, shape, 2); // 2 columns of images: [0 1] / [2 -]

  it('arrows move one pixel, across image edges into the neighbour', () => {
    expect(moveCursor({ index: 0, row: 1, col: 3 }, 'ArrowRight', 3, shape, layout)).toEqual({ index: 1, row: 1, col: 0 });
    expect(moveCursor({ index: 1, row: 1, col: 0 }, 'ArrowLeft', 3, shape, layout)).toEqual({ index: 0, row: 1, col: 3 });
    expect(moveCursor({ index: 0, row: 3, col: 2 }, 'ArrowDown', 3, shape, layout)).toEqual({ index: 2, row: 0, col: 2 });
    expect(moveCursor({ index: 2, row: 0, col: 2 }, 'ArrowUp', 3, shape, layout)).toEqual({ index: 0, row: 3, col: 2 });
  });

  it('stops at the grid edges and at the empty cell after the last image', () => {
    expect(moveCursor({ index: 0, row: 0, col: 0 }, 'ArrowLeft', 3, shape, layout)).toEqual({ index: 0, row: 0, col: 0 });
    expect(moveCursor({ index: 0, row: 0, col: 0 }, 'ArrowUp', 3, shape, layout)).toEqual({ index: 0, row: 0, col: 0 });
    expect(moveCursor({ index: 2, row: 2, col: 3 }, 'ArrowRight', 3, shape, layout)).toEqual({ index: 2, row: 2, col: 3 });
    expect(moveCursor({ index: 1, row: 3, col: 1 }, 'ArrowDown', 3, shape, layout)).toEqual({ index: 1, row: 3, col: 1 });
  });

  it('Home/End go to the row ends, PageUp/PageDown to the previous/next image; other keys are not the picker\'s', () => {
    expect(moveCursor({ index: 1, row: 2, col: 1 }, 'End', 3, shape, layout)).toEqual({ index: 1, row: 2, col: 3 });
    expect(moveCursor({ index: 1, row: 2, col: 1 }, 'Home', 3, shape, layout)).toEqual({ index: 1, row: 2, col: 0 });
    expect(moveCursor({ index: 1, row: 2, col: 1 }, 'PageDown', 3, shape, layout)).toEqual({ index: 2, row: 2, col: 1 });
    expect(moveCursor({ index: 2, row: 2, col: 1 }, 'PageDown', 3, shape, layout)).toEqual({ index: 2, row: 2, col: 1 });
    expect(moveCursor({ index: 0, row: 2, col: 1 }, 'PageUp', 3, shape, layout)).toEqual({ index: 0, row: 2, col: 1 });
    expect(moveCursor({ index: 0, row: 0, col: 0 }, 'a', 3, shape, layout)).toBeNull();
  });
});

describe('progress counts the sub-pixels the model draws', () => {
  it('sampling: every step draws one', () => {
    const drawn = drawnCounter({}, 12);
    expect([0, 5, 12, 99].map(drawn)).toEqual([0, 5, 12, 12]);
  });

  it('inpainting: only hidden sub-pixels count (1 = known in the sampler mask)', () => {
    // 2 × 2 RGB, bottom row hidden: 6 of 12 sub-pixels to draw, all after the 6 known ones.
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const drawn = drawnCounter({ known: { image: new Uint8Array(12), mask } }, 12);
    expect(drawn(12)).toBe(6); // the total is the hidden count, not 12
    expect(drawn(6)).toBe(0); // the known top row took 6 steps and drew nothing
    expect(drawn(9)).toBe(3);
    // A hole in the middle: steps over known sub-pixels after it add nothing.
    const hole = Uint8Array.from([1, 1, 1, 0, 0, 0, 1, 1, 1]);
    const d = drawnCounter({ known: { image: new Uint8Array(9), mask: hole } }, 9);
    expect([3, 4, 6, 9].map(d)).toEqual([0, 1, 3, 3]);
  });
});
