import { describe, expect, it } from 'vitest';
import { expNonPositive, quantize } from '../../src/core/codec/quantize';
import { M } from '../../src/core/codec/rans';
import { mulberry32 } from '../../src/core/random';

function table(logits: number[], k = logits.length === 1 ? 2 : logits.length): Uint32Array {
  const cum = new Uint32Array(k + 1);
  quantize(Float32Array.from(logits), 0, k, cum);
  return cum;
}

function checkValid(cum: Uint32Array): void {
  expect(cum[0]).toBe(0);
  expect(cum[cum.length - 1]).toBe(M);
  for (let v = 0; v + 1 < cum.length; v++) expect(cum[v + 1]! - cum[v]!).toBeGreaterThanOrEqual(1);
}

describe('quantised distributions', () => {
  it('expNonPositive agrees with Math.exp to 1e-14 relative', () => {
    for (let x = 0; x >= -79; x -= 0.173) expect(Math.abs(expNonPositive(x) / Math.exp(x) - 1)).toBeLessThan(1e-14);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-1000)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(() => expNonPositive(0.5)).toThrow();
  });

  it('sums to exactly M with every value ≥ 1, for random, peaked, flat and extreme logits', () => {
    const rng = mulberry32(5);
    const cases: number[][] = [
      new Array(256).fill(0),
      new Array(256).fill(-3.4e38),
      Array.from({ length: 256 }, (_, v) => (v === 17 ? 100 : -100)),
      Array.from({ length: 256 }, (_, v) => (v === 255 ? 3e38 : -3e38)),
      Array.from({ length: 256 }, (_, v) => (v < 2 ? 5 : -50)), // a tie between two favourites
      Array.from({ length: 256 }, (_, v) => -Math.abs(v - 128) * 0.05),
    ];
    for (let i = 0; i < 200; i++) cases.push(Array.from({ length: 256 }, () => (rng.next() - 0.5) * 2 * (1 + 40 * rng.next())));
    for (const logits of cases) checkValid(table(logits));
    for (const l of [0, 1e-7, -5, 5, 11.09, -11.09, 30, -30, 3e38, -3e38]) checkValid(table([l]));
  });

  it('is close to the softmax (rounding, plus the floor of 1 for unlikely values)', () => {
    const rng = mulberry32(6);
    const logits = Array.from({ length: 256 }, () => rng.next() * 6);
    const cum = table(logits);
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const s = e.reduce((a, b) => a + b, 0);
    let kl = 0;
    for (let v = 0; v < 256; v++) {
      const p = e[v]! / s;
      kl += p * Math.log2(p / ((cum[v + 1]! - cum[v]!) / M));
    }
    expect(kl).toBeLessThan(1e-3); // bits per sub-pixel
    const bin = table([2]);
    expect((bin[2]! - bin[1]!) / M).toBeCloseTo(1 / (1 + Math.exp(-2)), 4);
  });

  it('is deterministic and independent of the offset and scratch buffer', () => {
    const rng = mulberry32(7);
    const batch = Float32Array.from({ length: 3 * 256 }, () => (rng.next() - 0.5) * 20);
    for (let b = 0; b < 3; b++) {
      const a = new Uint32Array(257);
      const c = new Uint32Array(257);
      quantize(batch, b * 256, 256, a);
      quantize(Float32Array.from(batch.subarray(b * 256, (b + 1) * 256)), 0, 256, c, new Float64Array(256).fill(9));
      expect([...a]).toEqual([...c]);
    }
  });

  it('gives the more likely binary value the larger frequency, clamped to [1, M − 1]', () => {
    expect([...table([100])]).toEqual([0, 1, M]);
    expect([...table([-100])]).toEqual([0, M - 1, M]);
    expect([...table([0])]).toEqual([0, M / 2, M]);
  });

  it('refuses NaN and infinite logits', () => {
    expect(() => table([NaN])).toThrow(/NaN/);
    expect(() => table(Array.from({ length: 256 }, (_, v) => (v === 3 ? NaN : 0)))).toThrow(/NaN/);
    expect(() => table(Array.from({ length: 256 }, (_, v) => (v === 3 ? Infinity : 0)))).toThrow(/non-finite/);
  });
});
