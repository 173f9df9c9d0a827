import { describe, expect, it } from 'vitest';
import { channelGroups, convMask, gateGroups } from '../../src/core/masks';

const at = (m: Float32Array, kw: number, cin: number, cout: number, y: number, x: number, i: number, o: number) => m[((y * kw + x) * cin + i) * cout + o];

describe('masks', () => {
  it('splits features into consecutive near-equal colour groups', () => {
    expect([...channelGroups(3, 3)]).toEqual([0, 1, 2]);
    expect([...channelGroups(6, 3)]).toEqual([0, 0, 1, 1, 2, 2]);
    expect([...channelGroups(4, 1)]).toEqual([0, 0, 0, 0]);
    expect([...gateGroups(3, 2, 3)]).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('mask A on an RGB input, 3×3: rows above and left open, centre strictly lower groups only', () => {
    const m = convMask(3, 3, channelGroups(3, 3), channelGroups(3, 3), 'A');
    for (let i = 0; i < 3; i++)
      for (let o = 0; o < 3; o++) {
        for (let x = 0; x < 3; x++) expect(at(m, 3, 3, 3, 0, x, i, o)).toBe(1); // row above
        expect(at(m, 3, 3, 3, 1, 0, i, o)).toBe(1); // left
        expect(at(m, 3, 3, 3, 1, 2, i, o)).toBe(0); // right
        for (let x = 0; x < 3; x++) expect(at(m, 3, 3, 3, 2, x, i, o)).toBe(0); // row below
      }
    // centre: R sees nothing, G sees R, B sees R and G
    const centre = [0, 1, 2].map((o) => [0, 1, 2].map((i) => at(m, 3, 3, 3, 1, 1, i, o)));
    expect(centre).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [1, 1, 0],
    ]);
  });

  it('mask B lets a group see itself at the centre', () => {
    const m = convMask(1, 1, channelGroups(3, 3), channelGroups(6, 3), 'B');
    // out groups [0,0,1,1,2,2]; entry [i][o]
    const table = [0, 1, 2].map((i) => [0, 1, 2, 3, 4, 5].map((o) => at(m, 1, 3, 6, 0, 0, i, o)));
    expect(table).toEqual([
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ]);
  });

  it('one-channel images: mask A closes the centre, mask B opens it', () => {
    const g = channelGroups(1, 1);
    expect(at(convMask(3, 3, g, g, 'A'), 3, 1, 1, 1, 1, 0, 0)).toBe(0);
    expect(at(convMask(3, 3, g, g, 'B'), 3, 1, 1, 1, 1, 0, 0)).toBe(1);
  });

  it('a 1×3 row kernel keeps the left tap and drops the right one', () => {
    const g = channelGroups(1, 1);
    expect([...convMask(1, 3, g, g, 'B')]).toEqual([1, 1, 0]);
    expect([...convMask(1, 3, g, g, 'A')]).toEqual([1, 0, 0]);
  });
});
