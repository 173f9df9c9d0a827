/**
 * How Emoji-32 (and Emoji-64) images are assigned to train / val / test: by emoji, never by file, so that
 * no near-copy of a test image is trained on.
 *
 * 1) The key of a file is its name without ".png", without skin-tone modifiers (U+1F3FB…U+1F3FF) and
 *    without the emoji presentation selector U+FE0F: "1f44b-1f3fd.png", "1f44b.png" and "263a-fe0f.png" vs
 *    "263a.png" share a key, so all skin tones, both vendors and both presentations of an emoji go together.
 * 2) FNV-1a 32 of the key, mod 10: 0–7 train, 8 val, 9 test.
 * 3) After the split, an image byte-identical to an image of an earlier split (train, then val, then test) is
 *    dropped (some Twemoji families render alike at this size): see `dropCrossSplitDuplicates`.
 */
import { fnv1a32 } from './checksum';
import type { Split } from './manifest';

/** Bumped whenever the rule above changes, so that builds made under the old rule are rebuilt. */
export const EMOJI_SPLIT_VERSION = 2;

/** manifest.version of Emoji-32 and Emoji-64: the split rule's, plus one since they carry labels (same pixels, same split). */
export const EMOJI_DATASET_VERSION = EMOJI_SPLIT_VERSION + 1;

const SKIN_TONE = /-1f3f[b-f]/g;
const PRESENTATION_SELECTOR = /-fe0f/g;

/** The grouping key of an emoji file name (basename, with or without ".png"). */
export function emojiKey(fileName: string): string {
  return fileName.replace(/\.png$/i, '').toLowerCase().replace(SKIN_TONE, '').replace(PRESENTATION_SELECTOR, '');
}

export function emojiSplit(fileName: string): Split {
  const bucket = fnv1a32(new TextEncoder().encode(emojiKey(fileName))) % 10;
  return bucket < 8 ? 'train' : bucket === 8 ? 'val' : 'test';
}

/**
 * Drops from each split the images byte-identical to an image of an earlier split (train < val < test), so
 * that no test or validation image is also a training image. Within a split duplicates are kept (they are
 * the same emoji). Returns the kept images per split and how many were dropped per split.
 */
export function dropCrossSplitDuplicates<T extends { bytes: Uint8Array }>(
  bySplit: Record<Split, T[]>,
): { kept: Record<Split, T[]>; dropped: Record<Split, number> } {
  const earlier = new ContentSet();
  const kept = { train: [], val: [], test: [] } as Record<Split, T[]>;
  const dropped = { train: 0, val: 0, test: 0 } as Record<Split, number>;
  for (const split of ['train', 'val', 'test'] as const) {
    for (const item of bySplit[split]) {
      if (earlier.has(item.bytes)) dropped[split]++;
      else kept[split].push(item);
    }
    for (const item of kept[split]) earlier.add(item.bytes);
  }
  return { kept, dropped };
}

/** A set of byte arrays by exact content: bucketed by FNV-1a, compared byte for byte within a bucket. */
class ContentSet {
  private readonly buckets = new Map<number, Uint8Array[]>();

  has(bytes: Uint8Array): boolean {
    return (this.buckets.get(fnv1a32(bytes)) ?? []).some((b) => sameBytes(b, bytes));
  }

  add(bytes: Uint8Array): void {
    const h = fnv1a32(bytes);
    const bucket = this.buckets.get(h);
    if (!bucket) this.buckets.set(h, [bytes]);
    else if (!bucket.some((b) => sameBytes(b, bytes))) bucket.push(bytes);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
