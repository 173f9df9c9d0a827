/** Public surface of the dataset layer: manifests, loading, binarisation, batches, uploaded images. */

export { packBits, unpackBits } from './bits';
export { binarize } from './binarize';
export { batchIterator, resumeBatchIterator } from './batches';
export type { Batch, BatchIterator, BatchOptions, BatchState, BinarizeMode } from './batches';
export { checksumHex, fnv1a32 } from './checksum';
export { createDataset, loadDataset } from './dataset';
export type { Dataset, DatasetParts, FetchBytes, LoadOptions } from './dataset';
export { toModelInput } from './image';
export type { ToModelInputOptions } from './image';
export { fileEntry, MANIFEST_FORMAT, parseManifest, SPLITS, verifyBytes } from './manifest';
export type { BinarizationInfo, DatasetKind, FileEntry, Manifest, SourceInfo, Split, SplitEntry } from './manifest';
