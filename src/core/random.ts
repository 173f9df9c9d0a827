/**
 * Seeded random numbers for everything that must repeat: sampling, data order, binarisation.
 * mulberry32: a small 32-bit generator with a full 2^32 period, good enough for drawing sub-pixels,
 * and whose whole state is one integer (so a checkpoint can store it).
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The generator's state, to store in a checkpoint. */
  state(): number;
}

export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => s,
  };
}

/** Mixes a seed and a stream index into a new seed (splitmix32 finaliser), e.g. one stream per image. */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
