/**
 * Lossless image coding with the models (.prnn files): what the app, workers and scripts import.
 * codec.ts: encode/decode through the JavaScript evaluator or the cached sampler; format.ts: the file; quantize.ts: logits → integer
 * frequencies; rans.ts: the entropy coder; hash.ts: CRC-32 and the weights fingerprint.
 */
export { bitsPerPixel, codecModel, currentBackend, decodeImage, decodeImages, encodeFamily, encodeImage, encodeImages, readHeader } from './codec';
export type { CodecModel, CodingOptions, DecodeOptions, DecodeResult, EncodeOptions, EncodeResult, Engine } from './codec';
export { BACKENDS, CodecError, FAMILIES, headerBytes, MAGIC, VERSION } from './format';
export type { BackendFamily, CodecErrorKind, PrnnHeader, TfjsBackend } from './format';
export { crc32, weightsFingerprint } from './hash';
export { M as FREQUENCY_TOTAL } from './rans';
