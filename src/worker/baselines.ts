/**
 * The Compress tab's baselines: the same image as a PNG (png.ts) and as a lossless WebP, made in the
 * worker. WebP is libwebp compiled to wasm (@jsquash/webp, what `npm run baselines` and `bench:codec`
 * use): lossless, method 6, effort 100, exact. Its .wasm is served as an asset of the build and located
 * by URL (Emscripten's locateFile), since the bundled glue no longer sits beside it.
 */
import encodeWebp, { init as initWebp } from '@jsquash/webp/encode.js';
import webpWasm from '@jsquash/webp/codec/enc/webp_enc.wasm?url';
import webpSimdWasm from '@jsquash/webp/codec/enc/webp_enc_simd.wasm?url';
import type { BaselineSizes } from './codecProtocol';
import { encodePng, type PngImage } from './png';

let webpReady: Promise<unknown> | null = null;

function webp(): Promise<unknown> {
  if (!webpReady) {
    const urls: Record<string, string> = { 'webp_enc.wasm': webpWasm, 'webp_enc_simd.wasm': webpSimdWasm };
    type Init = (options: { locateFile: (path: string) => string }) => Promise<unknown>;
    webpReady = (initWebp as unknown as Init)({ locateFile: (path) => new URL(urls[path] ?? path, self.location.href).href });
    webpReady.catch(() => (webpReady = null));
  }
  return webpReady;
}

/** RGBA of an image [H,W,C] (binary 0/1 → black and white), opaque. */
function rgba({ pixels, height: H, width: W, channels: C, binary }: PngImage): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(H * W * 4);
  const scale = binary ? 255 : 1;
  for (let p = 0; p < H * W; p++) {
    for (let k = 0; k < 3; k++) out[p * 4 + k] = pixels[p * C + (C === 3 ? k : 0)]! * scale;
    out[p * 4 + 3] = 255;
  }
  return out;
}

export async function baselineSizes(img: PngImage): Promise<BaselineSizes> {
  const [png, wp] = await Promise.allSettled([
    encodePng(img),
    (async () => {
      await webp();
      const image = { data: rgba(img), width: img.width, height: img.height, colorSpace: 'srgb' } as ImageData;
      return new Uint8Array(await encodeWebp(image, { lossless: 1, method: 6, quality: 100, exact: 1 }));
    })(),
  ]);
  const kind = img.binary ? '1-bit greyscale' : '8-bit RGB';
  return {
    png: png.status === 'fulfilled' ? png.value.length : null,
    pngNote: png.status === 'fulfilled' ? `${kind}, best filter per row, zlib deflate (default level)` : `could not be written here: ${(png.reason as Error).message}`,
    webp: wp.status === 'fulfilled' ? wp.value.length : null,
    webpNote:
      wp.status === 'fulfilled'
        ? 'libwebp (wasm), lossless, method 6'
        : `the WebP encoder did not load in this browser (${(wp.reason as Error).message}); npm run bench:codec measures WebP offline`,
  };
}
