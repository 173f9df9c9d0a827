import { describe, expect, it } from 'vitest';
import { packBits, unpackBits } from '../../src/core/data/bits';
import { checksumHex, fnv1a32 } from '../../src/core/data/checksum';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32(ascii(''))).toBe(0x811c9dc5);
    expect(fnv1a32(ascii('a'))).toBe(0xe40c292c);
    expect(fnv1a32(ascii('foobar'))).toBe(0xbf9cf968);
  });

  it('writes 8 lower-case hex digits', () => {
    expect(checksumHex(ascii('a'))).toBe('e40c292c');
    expect(checksumHex(ascii(''))).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('packBits / unpackBits', () => {
  it('packs most significant bit first and pads the last byte with zeros', () => {
    expect([...packBits(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1, 1, 1))]).toEqual([0b1000_0001, 0b1100_0000]);
  });

  it('round-trips any length, including ones that are not a multiple of 8', () => {
    for (const n of [0, 1, 7, 8, 9, 784, 1001]) {
      const bits = Uint8Array.from({ length: n }, (_, i) => ((i * 2654435761) >>> 7) & 1);
      const packed = packBits(bits);
      expect(packed.length).toBe(Math.ceil(n / 8));
      expect(unpackBits(packed, n)).toEqual(bits);
    }
  });

  it('refuses to unpack more bits than the bytes hold', () => {
    expect(() => unpackBits(new Uint8Array(2), 17)).toThrow(/fewer than 17 bits/);
  });
});
