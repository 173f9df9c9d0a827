/**
 * Reader for the IDX files MNIST is distributed in (big-endian header: two zero bytes, a type code,
 * the number of dimensions, then each dimension as uint32; then the values in row-major order).
 * Only unsigned bytes (type 0x08) are needed here.
 */

export interface IdxArray {
  dims: number[];
  /** A view into the input bytes, row-major. */
  data: Uint8Array;
}

/** Parses an IDX file of unsigned bytes, throwing if the header or length is wrong. */
export function parseIdxU8(bytes: Uint8Array, name = 'idx file'): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0) throw new Error(`${name}: not an IDX file`);
  if (bytes[2] !== 0x08) throw new Error(`${name}: IDX type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw new Error(`${name}: truncated header`);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerLength + size) {
    throw new Error(`${name}: ${bytes.length - headerLength} data bytes, dims [${dims.join(', ')}] need ${size}`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}
