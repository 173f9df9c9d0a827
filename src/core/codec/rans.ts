/**
 * A byte-wise rANS entropy coder (Duda's asymmetric numeral systems, in the layout of Giesen's ryg_rans)
 * for frequencies with a fixed total M = 2^16, in plain JavaScript numbers.
 *
 * Why our own: the npm rANS/range-coder packages are either unmaintained or built for static tables; this
 * one is ~100 lines, adaptive (every symbol brings its own frequencies) and tested on its own.
 *
 * Arithmetic. The state x is an integer in [L, 256·L) with L = 2^24, so x < 2^32 and every intermediate
 * (x/f·M < 2^40) is an exact double: floor(x / f) of integers below 2^53 is exact, and no bitwise operator
 * is applied to a value that could exceed 31 bits. The coder itself is therefore deterministic in any
 * JavaScript engine.
 *
 * Cost. Coding a symbol of frequency f costs log2(M / f) bits up to the renormalisation's rounding, which
 * is at most log2(1 + M/L) = 2^-8·1.44 bits per symbol in the worst case and far less on average, plus the
 * final state: 4 bytes, of which ~3 would be wasted on the fixed initial state L. Instead the encoder
 * starts from L + a 24-bit value of the caller's (the codec puts 24 bits of the pixel CRC there), which
 * the decoder gets back when it ends: those 3 bytes then carry information, and the value is an integrity
 * check the decoder cannot fake.
 */

export const SCALE_BITS = 16;
/** Total of every frequency table. */
export const M = 1 << SCALE_BITS;
const L = 1 << 24;
/** The encoder's initial state is L + a value in [0, 2^24): a state in [L, 2L), valid for the decoder. */
export const INITIAL_BITS = 24;
/** x_max for f = 1: a state at or above (L / M)·256·f must shed a byte before f is coded. */
const XMAX_PER_FREQ = (L / M) * 256;

/**
 * rANS codes in reverse, so the encoder records (start, freq) of every symbol in forward order and codes
 * them all in `finish`.
 */
export class RansEncoder {
  private starts = new Uint32Array(1024);
  private freqs = new Uint32Array(1024);
  private n = 0;

  /** Records a symbol occupying [start, start + freq) of [0, M); freq ≥ 1. */
  put(start: number, freq: number): void {
    if (!(freq >= 1 && start >= 0 && start + freq <= M && Number.isInteger(start) && Number.isInteger(freq)))
      throw new Error(`rANS: invalid symbol range [${start}, ${start + freq}) of ${M}`);
    if (this.n === this.starts.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.freqs = grow(this.freqs);
    }
    this.starts[this.n] = start;
    this.freqs[this.n] = freq;
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  /**
   * The coded bytes: the final state (4 bytes, most significant first), then the renormalisation bytes.
   * `initial` (an integer in [0, 2^24)) is carried by the initial state: `RansDecoder.finish` returns it.
   */
  finish(initial = 0): Uint8Array {
    if (!(Number.isInteger(initial) && initial >= 0 && initial < 2 ** INITIAL_BITS)) throw new Error(`rANS: initial value ${initial} is not in [0, 2^24)`);
    const out: number[] = [];
    let x = L + initial;
    for (let i = this.n - 1; i >= 0; i--) {
      const f = this.freqs[i]!;
      const xmax = XMAX_PER_FREQ * f;
      while (x >= xmax) {
        out.push(x % 256);
        x = Math.floor(x / 256);
      }
      x = Math.floor(x / f) * M + (x % f) + this.starts[i]!;
    }
    for (let k = 0; k < 4; k++) {
      out.push(x % 256);
      x = Math.floor(x / 256);
    }
    out.reverse(); // the decoder reads what the encoder wrote last first
    return Uint8Array.from(out);
  }
}

/** Why a rANS stream could not be decoded (the caller turns these into the file-level messages). */
export class RansError extends Error {
  constructor(
    readonly kind: 'truncated' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/** Decodes forward: `slot()` gives the position in [0, M) to look up, `consume` the symbol found there. */
export class RansDecoder {
  private x = 0;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    if (bytes.length < 4) throw new RansError('truncated', `the coded data has ${bytes.length} bytes, fewer than the 4 of its initial state`);
    for (let k = 0; k < 4; k++) this.x = this.x * 256 + bytes[this.at++]!;
    if (this.x < L) throw new RansError('corrupt', 'the coded data starts with an impossible state');
  }

  slot(): number {
    return this.x % M;
  }

  consume(start: number, freq: number): void {
    this.x = freq * Math.floor(this.x / M) + (this.x % M) - start;
    while (this.x < L) {
      if (this.at >= this.bytes.length) throw new RansError('truncated', 'the coded data ends before the last sub-pixel');
      this.x = this.x * 256 + this.bytes[this.at++]!;
    }
  }

  /**
   * After the last symbol: every byte must have been read and the state must be an encoder's initial one,
   * L + v with v < 2^24; returns v (the encoder's `initial`).
   */
  finish(): number {
    if (this.at !== this.bytes.length) throw new RansError('corrupt', `${this.bytes.length - this.at} bytes of coded data left over after the last sub-pixel`);
    if (this.x >= 2 * L) throw new RansError('corrupt', 'the coded data does not end in an initial state');
    return this.x - L;
  }
}

/** The symbol s with cum[s] ≤ slot < cum[s + 1], for a cumulative table cum[0] = 0 … cum[k] = M. */
export function findSymbol(cum: ArrayLike<number>, k: number, slot: number): number {
  let lo = 0;
  let hi = k; // invariant: cum[lo] ≤ slot < cum[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! <= slot) lo = mid;
    else hi = mid;
  }
  return lo;
}
