/**
 * Lossless image coding with the models (.prnn files): what the app, workers and scripts import.
 * codec.ts: encode/decode through the cached sampler; format.ts: the file; quantize.ts: logits → integer
 * frequencies; rans.ts: the entropy coder; hash.ts: CRC-32 and the weights fingerprint.
 */
export { bitsPerPixel, codecModel, currentBackend, decodeImage, decodeImages, encodeImage, encodeImages, readHeader } from './codec';
export type { CodecModel, CodingOptions, DecodeOptions, DecodeResult, EncodeResult } from './codec';
export { BACKENDS, CodecError, headerBytes, MAGIC, VERSION } from './format';
export type { BackendFamily, CodecErrorKind, PrnnHeader } from './format';
export { crc32, weightsFingerprint } from './hash';
export { M as FREQUENCY_TOTAL } from './rans';
