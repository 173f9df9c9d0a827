/**
 * Lossless-codec baselines for Emoji-32 (or Emoji-64): bits per dimension that PNG and WebP-lossless spend on
 * the test split, to set beside a model's NLL in bits/dim (a likelihood model should beat them).
 *
 *   npx tsx scripts/build-data.ts --only emoji32   # if public/data/emoji32 is missing
 *   npx tsx scripts/codec-baselines.ts [--data public/data/emoji32 | emoji64]
 *
 * Each image is compressed on its own, as a file a person could save; dims = H·W·3 per image (32·32·3 for
 * Emoji-32; 64·64·3 for Emoji-64, the multi-scale pair's test images, `npm run eval:pair`).
 * "file" counts whole files; "payload" drops the container (PNG: all but IDAT data; WebP: all but the VP8L
 * chunk data), i.e. the fixed per-file overhead a model does not pay. Every encoding is decoded again and
 * compared, so a lossy setting cannot slip in.
 *
 * PNG: pngjs, RGB (colour type 2), deflate level 9, filter chosen per row (pngjs cannot write palettes,
 * which could help flat emoji). WebP: @jsquash/webp (libwebp compiled to wasm, no native binary; sharp
 * was avoided because its install downloads one), lossless, method 6, effort 100.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import decodeWebp, { init as initWebpDecoder } from '@jsquash/webp/decode.js';
import encodeWebp, { init as initWebpEncoder } from '@jsquash/webp/encode.js';
import { PNG } from 'pngjs';
import { loadDataset } from '../src/core/data/dataset';

export interface Codec {
  name: string;
  encode(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8Array>;
  /** Decoded RGBA, to check the round trip. */
  decode(bytes: Uint8Array): Promise<Uint8Array>;
  payloadBytes(bytes: Uint8Array): number;
}

const require = createRequire(import.meta.url);

/** [type, data length] of each chunk. PNG: 8-byte signature, then [uint32 BE length, type, data, CRC]. */
function pngChunks(bytes: Uint8Array): Array<[string, number]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Array<[string, number]> = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    chunks.push([fourCC(bytes, at + 4), length]);
    at += 12 + length;
  }
  return chunks;
}

/** [type, data length] of each chunk. WebP: 12-byte RIFF header, then [type, uint32 LE length, data, pad]. */
function riffChunks(bytes: Uint8Array): Array<[string, number]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Array<[string, number]> = [];
  for (let at = 12; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at + 4, true);
    chunks.push([fourCC(bytes, at), length]);
    at += 8 + length + (length & 1);
  }
  return chunks;
}

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

export const png: Codec = {
  name: 'PNG (pngjs, deflate 9)',
  async encode(rgba, width, height) {
    const image = new PNG({ width, height });
    image.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    return PNG.sync.write(image, { colorType: 2, deflateLevel: 9, filterType: -1 });
  },
  async decode(bytes) {
    return PNG.sync.read(Buffer.from(bytes)).data;
  },
  payloadBytes: (bytes) => pngChunks(bytes).reduce((sum, [type, length]) => sum + (type === 'IDAT' ? length : 0), 0),
};

/**
 * The @jsquash codecs fetch their .wasm by URL, which Node's fetch cannot do for files: compile it from
 * disk and hand it over. (Their typings omit this overload of `init`.)
 */
export async function webpCodec(): Promise<Codec> {
  const compile = async (path: string) => WebAssembly.compile(await readFile(require.resolve(path)));
  type Init = (module: WebAssembly.Module) => Promise<unknown>;
  await (initWebpEncoder as unknown as Init)(await compile('@jsquash/webp/codec/enc/webp_enc_simd.wasm'));
  await (initWebpDecoder as unknown as Init)(await compile('@jsquash/webp/codec/dec/webp_dec.wasm'));
  return {
    name: 'WebP lossless (libwebp wasm, m6)',
    async encode(rgba, width, height) {
      const image = { data: rgba, width, height, colorSpace: 'srgb' } as ImageData;
      return new Uint8Array(await encodeWebp(image, { lossless: 1, method: 6, quality: 100, exact: 1 }));
    },
    async decode(bytes) {
      const copy = bytes.slice();
      const image = await decodeWebp(copy.buffer);
      return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    },
    payloadBytes(bytes) {
      const lossless = riffChunks(bytes).find(([type]) => type === 'VP8L');
      if (lossless === undefined) throw new Error('WebP file without a VP8L chunk: not lossless');
      return lossless[1];
    },
  };
}

export function sameRgb(rgba: Uint8Array, original: Uint8ClampedArray): boolean {
  for (let i = 0; i < original.length; i++) if (i % 4 !== 3 && rgba[i] !== original[i]) return false;
  return true;
}

async function main(): Promise<void> {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { values } = parseArgs({ options: { data: { type: 'string', default: join(repoRoot, 'public', 'data', 'emoji32') } } });
  // a bare name is a folder of public/data
  const dataDir = /^[a-z0-9]+$/.test(values.data) ? join(repoRoot, 'public', 'data', values.data) : resolve(values.data);
  const dataset = await loadDataset((path) => readFile(path), dataDir, { splits: ['test'] });
  const [h, w, c] = dataset.shape;
  const pixels = dataset.images('test'); // [N, H, W, 3]
  const n = dataset.count('test');
  const dims = n * h * w * c;

  const codecs = [png, await webpCodec()];
  const results: Record<string, { fileBitsPerDim: number; payloadBitsPerDim: number; bytesPerImage: number }> = {};
  for (const codec of codecs) {
    let fileBytes = 0;
    let payload = 0;
    for (let i = 0; i < n; i++) {
      const rgba = new Uint8ClampedArray(h * w * 4).fill(255);
      for (let p = 0; p < h * w; p++) rgba.set(pixels.subarray((i * h * w + p) * c, (i * h * w + p + 1) * c), p * 4);
      const bytes = await codec.encode(rgba, w, h);
      if (!sameRgb(await codec.decode(bytes), rgba)) throw new Error(`${codec.name}: image ${i} did not round-trip`);
      fileBytes += bytes.length;
      payload += codec.payloadBytes(bytes);
    }
    results[codec.name] = {
      fileBitsPerDim: (8 * fileBytes) / dims,
      payloadBitsPerDim: (8 * payload) / dims,
      bytesPerImage: fileBytes / n,
    };
  }

  console.log(`${dataset.name} test split: ${n} images of ${h}×${w}×${c} (${dims} dims); each image compressed on its own\n`);
  console.log('codec                              bits/dim (file)  bits/dim (payload)  bytes/image');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(35)}${r.fileBitsPerDim.toFixed(3).padStart(15)}${r.payloadBitsPerDim.toFixed(3).padStart(20)}${r.bytesPerImage.toFixed(1).padStart(13)}`,
    );
  }
  console.log(JSON.stringify({ dataset: dataset.name, split: 'test', images: n, dims, results }));
}

// Run only as a script: scripts/bench-codec.ts imports the codecs above.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
