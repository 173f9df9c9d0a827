import { describe, expect, it } from 'vitest';
import { DECADES, fieldColour, fieldPerPixel, fieldPosition, fieldRGBA, fieldScale, fieldTicks, isEarlierPixel, ZERO_COLOUR } from '../../src/canvas/fieldMap';
import { paletteColour, STOPS } from '../../src/canvas/surprise';
import { fieldModels } from '../../src/store/rfieldState';
import { untrained, type ModelEntry } from '../../src/store/registry';

describe('receptive-field heatmap colours (src/canvas/fieldMap.ts)', () => {
  const at = { row: 1, col: 1, channel: 0 };
  const W = 3;

  it('earlier pixels are those before (row, col), and (row, col) itself only for a later colour', () => {
    expect([0, 1, 2, 3, 4, 5].map((p) => isEarlierPixel(p, W, at))).toEqual([true, true, true, true, false, false]);
    expect(isEarlierPixel(4, W, { ...at, channel: 1 })).toBe(true);
  });

  it('a log scale over the earlier pixels only, DECADES decades deep, in the surprise palette', () => {
    const perPixel = [1e-3, 0, 1e-5, 1e-12, 50, 7]; // the later pixels (50, 7) do not set the top
    const s = fieldScale(perPixel, W, at);
    expect(s.max).toBe(1e-3);
    expect(s.min).toBeCloseTo(1e-3 / 10 ** DECADES, 12);
    expect(fieldPosition(1e-3, s)).toBeCloseTo(1, 6);
    expect(fieldPosition(1e-5, s)).toBeCloseTo((DECADES - 2) / DECADES, 6); // two decades below the top
    expect(fieldPosition(1e-12, s)).toBe(0); // below the scale: its lowest colour, still not grey
    expect(fieldColour(1e-3, s)).toEqual([...STOPS[STOPS.length - 1]!]);
    expect(fieldColour(1e-12, s)).toEqual([...STOPS[0]!]);
    expect(fieldColour(1e-5, s)).toEqual(paletteColour((DECADES - 2) / DECADES));
    expect(fieldTicks(s).map((t) => Math.log10(t))).toEqual(Array.from({ length: DECADES + 1 }, (_, i) => expect.closeTo(-3 - DECADES + i, 6)));
  });

  it('RGBA: exact zeros grey (no colour of the scale), later pixels transparent', () => {
    const perPixel = [1e-3, 0, 1e-5, 1e-12, 50, 7];
    const rgba = fieldRGBA(perPixel, W, at);
    const px = (p: number) => Array.from(rgba.slice(p * 4, p * 4 + 4));
    expect(px(1)).toEqual([...ZERO_COLOUR, 255]);
    for (let i = 0; i <= 64; i++) expect(paletteColour(i / 64)).not.toEqual([...ZERO_COLOUR]);
    expect(px(3)).toEqual([...STOPS[0]!, 255]); // tiny but not zero: coloured
    expect(px(4)[3]).toBe(0);
    expect(px(5)[3]).toBe(0);
    // every earlier pixel zero: all grey, no scale
    const none = fieldRGBA([0, 0, 0, 0, 0, 0], W, at);
    expect(Array.from(none.slice(0, 4))).toEqual([...ZERO_COLOUR, 255]);
    expect(fieldTicks(fieldScale([0, 0, 0, 0], W, at))).toEqual([]);
  });

  it('per pixel: one input colour, or the largest of its colours', () => {
    const m = [1, 5, 2, 0, 0, 3];
    expect(Array.from(fieldPerPixel(m, 3, null))).toEqual([5, 3]);
    expect(Array.from(fieldPerPixel(m, 3, 2))).toEqual([2, 3]);
    expect(Array.from(fieldPerPixel([4, 0], 1, null))).toEqual([4, 0]);
  });
});

describe('the explorer’s models (fieldModels)', () => {
  const shipped = (id: string, dataset: string, arch: ModelEntry['arch']): ModelEntry => ({ id, dataset, arch, title: id, kind: 'shipped', source: { kind: 'url', url: `http://x/${id}/model.json` } });
  const models: ModelEntry[] = [
    shipped('mnist-pixelcnn', 'mnist', 'pixelcnn'),
    shipped('mnist-rowlstm', 'mnist', 'rowlstm'),
    shipped('mnist-diagonal', 'mnist', 'diagonal'),
    shipped('test-mnist-pixelcnn', 'mnist', 'pixelcnn'),
    shipped('test-mnist-rowlstm', 'mnist', 'rowlstm'),
    shipped('test-mnist-diagonal', 'mnist', 'diagonal'),
    shipped('test-mnist-gated', 'mnist', 'gated'),
    ...untrained(),
  ];

  it('one panel per architecture, the selected model in its own and its family (id with the arch swapped) in the others', () => {
    const got = fieldModels(models, 'mnist', 'test-mnist-pixelcnn');
    expect(got.map((c) => c.arch)).toEqual(['pixelcnn', 'rowlstm', 'diagonal', 'gated']);
    expect(got.map((c) => c.entry?.id)).toEqual(['test-mnist-pixelcnn', 'test-mnist-rowlstm', 'test-mnist-diagonal', 'test-mnist-gated']);
    expect(got.every((c) => c.note === null)).toBe(true);
  });

  it('the shipped models first; untrained weights (with a note) where none is shipped; a person’s choice wins', () => {
    const got = fieldModels(models.filter((m) => !m.id.startsWith('test-')), 'mnist', 'mnist-rowlstm');
    expect(got.map((c) => c.entry?.id)).toEqual(['mnist-pixelcnn', 'mnist-rowlstm', 'mnist-diagonal', 'untrained:small-mnist-gated']);
    expect(got[3]!.note).toMatch(/Random weights/);
    const chosen = fieldModels(models, 'mnist', 'mnist-rowlstm', { pixelcnn: 'test-mnist-pixelcnn', gated: 'nope' });
    expect(chosen[0]!.entry?.id).toBe('test-mnist-pixelcnn');
    expect(chosen[3]!.entry?.id).toBe('test-mnist-gated');
  });

  it('a dataset without a model of an architecture: no entry, and a plain note', () => {
    const got = fieldModels([shipped('x-pixelcnn', 'other', 'pixelcnn')], 'other', 'x-pixelcnn');
    expect(got[0]!.entry?.id).toBe('x-pixelcnn');
    expect(got[1]!.entry).toBeNull();
    expect(got[1]!.note).toBe('No Row LSTM for this dataset.');
  });
});
