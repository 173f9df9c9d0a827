/**
 * FNV-1a (32-bit) over raw bytes: the dataset files' checksum.
 * Chosen because it is a few lines, fast enough for ~40 MB in a browser, synchronous, and needs neither
 * SubtleCrypto (absent on plain-http origins) nor a dependency. It guards against truncated or stale
 * downloads and cache mix-ups, not against tampering.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit hash of `bytes`, as an unsigned integer. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  }
  return h >>> 0;
}

/** The checksum as written in manifests: 8 lower-case hex digits. */
export function checksumHex(bytes: Uint8Array): string {
  return fnv1a32(bytes).toString(16).padStart(8, '0');
}
