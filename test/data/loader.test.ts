import { describe, expect, it } from 'vitest';
import { packBits } from '../../src/core/data/bits';
import { loadDataset } from '../../src/core/data/dataset';
import { fileEntry, MANIFEST_FORMAT, parseManifest, verifyBytes, type Manifest } from '../../src/core/data/manifest';

/** A 2×2 binary dataset with 3/2/1 images, held in a map that stands in for a server or a disk. */
function fixture(): Map<string, Uint8Array> {
  const grey = {
    train: Uint8Array.from({ length: 3 * 4 }, (_, i) => i * 20),
    val: Uint8Array.of(0, 255, 255, 0, 10, 20, 30, 40),
    test: Uint8Array.of(255, 255, 0, 0),
  };
  const fixed = { val: packBits(Uint8Array.of(0, 1, 1, 0, 0, 0, 1, 0)), test: packBits(Uint8Array.of(1, 1, 0, 0)) };
  const files = new Map<string, Uint8Array>([
    ['data/tiny/train.u8', grey.train],
    ['data/tiny/val.u8', grey.val],
    ['data/tiny/val.bits', fixed.val],
    ['data/tiny/test.u8', grey.test],
    ['data/tiny/test.bits', fixed.test],
  ]);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name: 'tiny',
    kind: 'binary',
    shape: [2, 2, 1],
    splits: {
      train: { count: 3, files: { pixels: fileEntry('train.u8', grey.train) } },
      val: { count: 2, files: { pixels: fileEntry('val.u8', grey.val), binarized: fileEntry('val.bits', fixed.val) } },
      test: { count: 1, files: { pixels: fileEntry('test.u8', grey.test), binarized: fileEntry('test.bits', fixed.test) } },
    },
    binarization: { prng: 'mulberry32', seed: 1, splits: ['val', 'test'], rule: 'made by hand' },
    sources: [],
    notes: [],
  };
  files.set('data/tiny/manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return files;
}

function fetcher(files: Map<string, Uint8Array>) {
  return async (path: string) => {
    const bytes = files.get(path);
    if (bytes === undefined) throw new Error(`${path}: not found`);
    return bytes;
  };
}

describe('loadDataset', () => {
  it('loads shapes, counts and the fixed binarisation of each split', async () => {
    const ds = await loadDataset(fetcher(fixture()), 'data/tiny/');
    expect(ds.name).toBe('tiny');
    expect(ds.kind).toBe('binary');
    expect(ds.shape).toEqual([2, 2, 1]);
    expect(ds.splits).toEqual(['train', 'val', 'test']);
    expect([ds.count('train'), ds.count('val'), ds.count('test')]).toEqual([3, 2, 1]);
    expect(ds.images('train').length).toBe(3 * 4);
    expect([...ds.fixedBinary('val')!]).toEqual([0, 1, 1, 0, 0, 0, 1, 0]);
    expect([...ds.fixedBinary('test')!]).toEqual([1, 1, 0, 0]);
    expect(ds.fixedBinary('train')).toBeNull();
  });

  it('loads only the splits asked for', async () => {
    const files = fixture();
    files.delete('data/tiny/train.u8');
    const ds = await loadDataset(fetcher(files), 'data/tiny', { splits: ['test'] });
    expect(ds.splits).toEqual(['test']);
    expect(() => ds.images('train')).toThrow(/split "train" is not loaded/);
  });

  it('names the file that is truncated', async () => {
    const files = fixture();
    files.set('data/tiny/val.u8', files.get('data/tiny/val.u8')!.subarray(0, 5));
    await expect(loadDataset(fetcher(files), 'data/tiny')).rejects.toThrow(/data\/tiny\/val\.u8: truncated: 5 bytes, manifest says 8/);
  });

  it('names the file whose checksum does not match', async () => {
    const files = fixture();
    const stale = files.get('data/tiny/test.bits')!.slice();
    stale[0]! ^= 1;
    files.set('data/tiny/test.bits', stale);
    await expect(loadDataset(fetcher(files), 'data/tiny')).rejects.toThrow(/data\/tiny\/test\.bits: checksum mismatch/);
  });
});

describe('verifyBytes', () => {
  const bytes = Uint8Array.of(1, 2, 3, 4);
  const entry = fileEntry('x.u8', bytes);

  it('accepts the exact bytes', () => {
    expect(() => verifyBytes(bytes, entry)).not.toThrow();
  });

  it('rejects short, long and altered bytes, naming the file', () => {
    expect(() => verifyBytes(bytes.subarray(0, 3), entry)).toThrow(/^x\.u8: truncated/);
    expect(() => verifyBytes(Uint8Array.of(1, 2, 3, 4, 5), entry)).toThrow(/^x\.u8: too long/);
    expect(() => verifyBytes(Uint8Array.of(1, 2, 3, 5), entry)).toThrow(/^x\.u8: checksum mismatch/);
  });
});

describe('parseManifest', () => {
  const good = () => JSON.parse(new TextDecoder().decode(fixture().get('data/tiny/manifest.json')!)) as Record<string, unknown>;

  it('accepts what the builder writes', () => {
    expect(parseManifest(good()).splits.val.files.binarized?.path).toBe('val.bits');
  });

  it('rejects a wrong format, kind, shape or file entry with the field named', () => {
    expect(() => parseManifest({ ...good(), format: 'other/9' })).toThrow(/format/);
    expect(() => parseManifest({ ...good(), kind: 'grey' })).toThrow(/kind/);
    expect(() => parseManifest({ ...good(), shape: [2, 2] })).toThrow(/shape/);
    expect(() => parseManifest({ ...good(), shape: [2, 2, 3] })).toThrow(/binary dataset has 1 channel/);
    const m = good();
    (m.splits as { val: { files: { pixels: { fnv1a32: string } } } }).val.files.pixels.fnv1a32 = 'XYZ';
    expect(() => parseManifest(m)).toThrow(/splits\.val\.files\.pixels\.fnv1a32/);
  });
});

/** The fixture with labels: classes "cat", "dog", "owl"; train 0 1 2, val 2 2, test 1. */
function labelledFixture(): Map<string, Uint8Array> {
  const files = fixture();
  const manifest = JSON.parse(new TextDecoder().decode(files.get('data/tiny/manifest.json'))) as Manifest;
  const labels = { train: Uint8Array.of(0, 1, 2), val: Uint8Array.of(2, 2), test: Uint8Array.of(1) };
  for (const split of ['train', 'val', 'test'] as const) {
    files.set(`data/tiny/${split}-labels.u8`, labels[split]);
    manifest.splits[split].files.labels = fileEntry(`${split}-labels.u8`, labels[split]);
  }
  manifest.classNames = ['cat', 'dog', 'owl'];
  files.set('data/tiny/manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return files;
}

describe('labels', () => {
  it('loads the class names and one label per image of every split', async () => {
    const ds = await loadDataset(fetcher(labelledFixture()), 'data/tiny');
    expect(ds.classNames).toEqual(['cat', 'dog', 'owl']);
    expect([...ds.labels('train')!]).toEqual([0, 1, 2]);
    expect([...ds.labels('val')!]).toEqual([2, 2]);
    expect([...ds.labels('test')!]).toEqual([1]);
    const plain = await loadDataset(fetcher(fixture()), 'data/tiny');
    expect(plain.classNames).toBeNull();
    expect(plain.labels('train')).toBeNull();
  });

  it('refuses a corrupt or short label file, naming it', async () => {
    const files = labelledFixture();
    files.set('data/tiny/val-labels.u8', Uint8Array.of(2, 1));
    await expect(loadDataset(fetcher(files), 'data/tiny')).rejects.toThrow(/val-labels\.u8: checksum mismatch/);
    files.set('data/tiny/val-labels.u8', Uint8Array.of(2));
    await expect(loadDataset(fetcher(files), 'data/tiny')).rejects.toThrow(/val-labels\.u8: truncated/);
  });

  it('refuses a manifest whose labels do not fit its images or class names', () => {
    const files = labelledFixture();
    const good = JSON.parse(new TextDecoder().decode(files.get('data/tiny/manifest.json'))) as Manifest;
    const { classNames: _, ...noNames } = good;
    expect(() => parseManifest(noNames)).toThrow(/splits\.train has labels but the manifest has no classNames/);
    const short = structuredClone(good);
    short.splits.val.files.labels!.byteLength = 1;
    expect(() => parseManifest(short)).toThrow(/splits\.val\.files\.labels has 1 bytes for 2 images/);
    expect(() => parseManifest({ ...good, classNames: ['cat', 'cat', 'owl'] })).toThrow(/a name twice/);
    expect(() => parseManifest({ ...good, classNames: ['cat'] })).toThrow(/2 to 255 non-empty strings/);
  });

  it('refuses a label beyond the class names', async () => {
    const files = labelledFixture();
    const m = JSON.parse(new TextDecoder().decode(files.get('data/tiny/manifest.json'))) as Manifest;
    const bad = Uint8Array.of(0, 3, 2);
    files.set('data/tiny/train-labels.u8', bad);
    m.splits.train.files.labels = fileEntry('train-labels.u8', bad);
    files.set('data/tiny/manifest.json', new TextEncoder().encode(JSON.stringify(m)));
    await expect(loadDataset(fetcher(files), 'data/tiny')).rejects.toThrow(/train label 1 is 3, not one of the 3 classes/);
  });
});
