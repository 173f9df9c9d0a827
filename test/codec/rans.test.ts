import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/random';
import { findSymbol, M, RansDecoder, RansEncoder, RansError } from '../../src/core/codec/rans';

/** Cumulative table from frequencies (must sum to M). */
function cumOf(freqs: number[]): Uint32Array {
  const cum = new Uint32Array(freqs.length + 1);
  freqs.forEach((f, i) => (cum[i + 1] = cum[i]! + f));
  expect(cum[freqs.length]).toBe(M);
  return cum;
}

/** Codes `symbols`, symbol i with table tables[i], decodes, and returns the bytes. */
function roundTrip(symbols: number[], tables: Uint32Array[]): Uint8Array {
  const enc = new RansEncoder();
  symbols.forEach((s, i) => enc.put(tables[i]![s]!, tables[i]![s + 1]! - tables[i]![s]!));
  const bytes = enc.finish();
  const dec = new RansDecoder(bytes);
  symbols.forEach((s, i) => {
    const t = tables[i]!;
    const k = t.length - 1;
    const got = findSymbol(t, k, dec.slot());
    expect(got).toBe(s);
    dec.consume(t[got]!, t[got + 1]! - t[got]!);
  });
  dec.finish();
  return bytes;
}

function idealBits(symbols: number[], tables: Uint32Array[]): number {
  return symbols.reduce((bits, s, i) => bits + Math.log2(M / (tables[i]![s + 1]! - tables[i]![s]!)), 0);
}

describe('rANS coder', () => {
  it('round-trips a uniform 256-way distribution at 8 bits a symbol', () => {
    const t = cumOf(new Array(256).fill(256));
    const rng = mulberry32(1);
    const symbols = Array.from({ length: 3000 }, () => Math.floor(rng.next() * 256));
    const bytes = roundTrip(symbols, symbols.map(() => t));
    expect(bytes.length).toBeGreaterThanOrEqual(3000);
    expect(bytes.length).toBeLessThanOrEqual(3000 + 4);
  });

  it('codes a skewed distribution within a few bytes of its information content', () => {
    const freqs = new Array(256).fill(1);
    freqs[255] = M - 255; // a near-certain value, as the white background of an emoji
    const t = cumOf(freqs);
    const rng = mulberry32(2);
    const symbols = Array.from({ length: 5000 }, () => (rng.next() < 0.01 ? Math.floor(rng.next() * 255) : 255));
    const tables = symbols.map(() => t);
    const bytes = roundTrip(symbols, tables);
    expect(8 * bytes.length).toBeLessThanOrEqual(idealBits(symbols, tables) + 8 * 4 + 8);
  });

  it('codes symbols of frequency 1, alone and in long runs', () => {
    const freqs = [1, M - 2, 1];
    const t = cumOf(freqs);
    const runs = [new Array(200).fill(0), new Array(200).fill(2), [0, 2, 0, 1, 2], new Array(2000).fill(1)];
    for (const symbols of runs) {
      const tables = symbols.map(() => t);
      const bytes = roundTrip(symbols, tables);
      expect(8 * bytes.length).toBeLessThanOrEqual(idealBits(symbols, tables) + 8 * 4 + 8);
    }
  });

  it('codes a binary distribution with both extremes', () => {
    const t = cumOf([1, M - 1]);
    const symbols = [...new Array(1000).fill(1), 0, ...new Array(1000).fill(1), 0, 0];
    const tables = symbols.map(() => t);
    const bytes = roundTrip(symbols, tables);
    expect(8 * bytes.length).toBeLessThanOrEqual(idealBits(symbols, tables) + 8 * 4 + 8);
  });

  it('round-trips randomized symbols with a different random table for each', () => {
    const rng = mulberry32(3);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(rng.next() * 2000);
      const tables: Uint32Array[] = [];
      const symbols: number[] = [];
      for (let i = 0; i < n; i++) {
        const k = 2 + Math.floor(rng.next() * 300);
        // random positive weights, some tiny, made to sum to M with every frequency ≥ 1
        const w = Array.from({ length: k }, () => (rng.next() < 0.3 ? rng.next() * 1e-6 : rng.next() ** 4));
        const sum = w.reduce((a, b) => a + b, 0);
        const f = w.map((x) => 1 + Math.floor((x / sum) * (M - k)));
        f[0]! += M - f.reduce((a, b) => a + b, 0);
        tables.push(cumOf(f));
        // draw the symbol from the table itself, or any symbol 10% of the time
        const u = Math.floor(rng.next() * M);
        symbols.push(rng.next() < 0.1 ? Math.floor(rng.next() * k) : findSymbol(tables[i]!, k, u));
      }
      const bytes = roundTrip(symbols, tables);
      expect(8 * bytes.length).toBeLessThanOrEqual(idealBits(symbols, tables) * 1.001 + 8 * 4 + 8);
    }
  });

  it('codes nothing into its 4-byte state, and refuses short or inconsistent streams', () => {
    const empty = new RansEncoder().finish();
    expect(empty.length).toBe(4);
    new RansDecoder(empty).finish();
    expect(() => new RansDecoder(empty.subarray(0, 3))).toThrow(RansError);
    // a stream with a byte too many is corrupt
    const extra = new Uint8Array([...empty, 7]);
    expect(() => new RansDecoder(extra).finish()).toThrow(/left over/);
    // a truncated stream runs out of bytes
    const t = cumOf(new Array(256).fill(256));
    const enc = new RansEncoder();
    for (let i = 0; i < 100; i++) enc.put(t[i]!, 256);
    const bytes = enc.finish();
    const dec = new RansDecoder(bytes.subarray(0, 50));
    expect(() => {
      for (let i = 0; i < 100; i++) {
        findSymbol(t, 256, dec.slot());
        dec.consume(t[i]!, 256);
      }
    }).toThrow(/ends before/);
  });

  it('carries a 24-bit value in its initial state at almost no cost', () => {
    const t = cumOf([M / 4, M / 2, M / 4]);
    const symbols = Array.from({ length: 300 }, (_, i) => i % 3);
    const plain = new RansEncoder();
    const carrying = new RansEncoder();
    for (const s of symbols) {
      plain.put(t[s]!, t[s + 1]! - t[s]!);
      carrying.put(t[s]!, t[s + 1]! - t[s]!);
    }
    const a = plain.finish();
    const b = carrying.finish(0xabcdef);
    expect(b.length - a.length).toBeLessThanOrEqual(1);
    const dec = new RansDecoder(b);
    for (const s of symbols) dec.consume(t[findSymbol(t, 3, dec.slot())]!, t[s + 1]! - t[s]!);
    expect(dec.finish()).toBe(0xabcdef);
    expect(() => new RansEncoder().finish(2 ** 24)).toThrow(/initial/);
  });

  it('refuses an invalid symbol range', () => {
    const enc = new RansEncoder();
    expect(() => enc.put(0, 0)).toThrow(/invalid/);
    expect(() => enc.put(M - 1, 2)).toThrow(/invalid/);
  });
});
