/**
 * Uploaded file → the model's input: check the headers (imageFile.ts), decode (first frame for GIF), read
 * RGBA, then centre-crop / resize / grey / binarise with src/core/data/image.ts. Runs wherever
 * createImageBitmap and OffscreenCanvas exist: the app calls it in the decoding worker (decode.ts).
 */
import { toModelInput } from '../core/data/image';
import { blobSource, sniffImage } from './imageFile';

export interface InputShape {
  height: number;
  width: number;
  channels: 1 | 3;
  binary: boolean;
}

export type Decoded = { ok: true; name: string; pixels: Uint8Array; sourceWidth: number; sourceHeight: number } | { ok: false; name: string; message: string };

export async function decodeImage(file: Blob, name: string, shape: InputShape): Promise<Decoded> {
  try {
    const sniff = await sniffImage(blobSource(file));
    if (!sniff.ok) return { ok: false, name, message: `${name}: ${sniff.message}` };
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      const why = sniff.format === 'avif' ? 'the file is damaged, or this browser does not decode AVIF' : 'the file is damaged or incomplete';
      return { ok: false, name, message: `${name}: the ${sniff.format.toUpperCase()} data could not be decoded (${why})` };
    }
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas');
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const pixels = toModelInput(rgba, width, height, {
      height: shape.height,
      width: shape.width,
      channels: shape.channels,
      ...(shape.binary ? { binarize: { threshold: 128 } } : {}),
    });
    return { ok: true, name, pixels, sourceWidth: width, sourceHeight: height };
  } catch (e) {
    return { ok: false, name, message: `${name}: could not be read (${(e as Error).message})` };
  }
}
