/**
 * Bit-packing for binary images: 8 pixels a byte, most significant bit first (the order of PBM and of
 * numpy's `packbits`), the last byte zero-padded. A 10k-image binarised MNIST split is 0.98 MB this way
 * instead of 7.8 MB.
 */

/** Packs 0/1 values (any non-zero counts as 1) into ceil(n / 8) bytes. */
export function packBits(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 8));
  for (let i = 0; i < values.length; i++) {
    if (values[i]) out[i >> 3]! |= 0x80 >> (i & 7);
  }
  return out;
}

/** Unpacks the first `count` bits of `packed` into 0/1 bytes. */
export function unpackBits(packed: Uint8Array, count: number): Uint8Array {
  if (packed.length < Math.ceil(count / 8)) {
    throw new Error(`unpackBits: ${packed.length} bytes hold fewer than ${count} bits`);
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = (packed[i >> 3]! >> (7 - (i & 7))) & 1;
  }
  return out;
}
