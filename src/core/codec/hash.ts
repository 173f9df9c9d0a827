import type { PixelModel } from '../models/pixelModel';

/** CRC-32 (IEEE 802.3, the one of PNG and zip) lookup table. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of bytes, continuing from `crc` (start: 0). crc32("123456789") = 0xcbf43926. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** 32-bit FNV-1a of bytes, continuing from `h`. */
function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

/**
 * An 8-byte fingerprint of a model's weights, for the file header: a decoder holding other weights (a
 * retrained or fine-tuned model under the same id) must refuse the file instead of decoding garbage.
 * The bytes hashed: every parameter in name order, as its name, its shape and its float32 values; the
 * hash is CRC-32 and FNV-1a side by side (detects accidental differences, not an adversary).
 * Reads the weights with `await data()` (fine on GPU backends); cache the result per loaded model.
 */
export async function weightsFingerprint(model: PixelModel): Promise<Uint8Array> {
  const enc = new TextEncoder();
  let a = 0;
  let b = 0x811c9dc5;
  const feed = (bytes: Uint8Array) => {
    a = crc32(bytes, a);
    b = fnv1a(bytes, b);
  };
  const names = [...model.params.vars.keys()].sort();
  for (const name of names) {
    const v = model.params.vars.get(name)!;
    feed(enc.encode(`${name}:${v.shape.join('x')};`));
    const values = (await v.data()) as Float32Array;
    feed(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, a);
  view.setUint32(4, b);
  return out;
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((x) => x.toString(16).padStart(2, '0')).join('');
}
