/**
 * Lossless image coding with the models (.prnn files): what the app, workers and scripts import.
 * codec.ts: encode/decode through the JavaScript evaluator or the cached sampler; format.ts: the file; quantize.ts: logits → integer
 * frequencies; rans.ts: the entropy coder; hash.ts: CRC-32 and the weights fingerprint.
 */
export { bitsPerPixel, codecModel, currentBackend, decodeFile, decodeImage, decodeImages, encodeFamily, encodeFile, encodeImage, encodeImages, readHeader } from './codec';
export type { CodecModel, CodingOptions, DecodeFileOptions, DecodeFileResult, DecodeOptions, DecodeResult, EncodeFileOptions, EncodeFileResult, EncodeOptions, EncodeResult, Engine } from './codec';
export { BACKENDS, CodecError, FAMILIES, fileOverhead, headerBytes, MAGIC, VERSION } from './format';
export type { BackendFamily, CodecErrorKind, PrnnFileHeader, PrnnHeader, Salvage, TfjsBackend } from './format';
export { crc32, weightsFingerprint } from './hash';
export { M as FREQUENCY_TOTAL } from './rans';
