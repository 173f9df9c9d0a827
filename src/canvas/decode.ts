/**
 * Uploaded file → the model's input, in the browser: check the header (imageFile.ts), decode (first
 * frame for GIF), read RGBA, then centre-crop / resize / grey / binarise with src/core/data/image.ts.
 */
import { toModelInput } from '../core/data/image';
import { sniffImage } from './imageFile';

export interface InputShape {
  height: number;
  width: number;
  channels: 1 | 3;
  binary: boolean;
}

export type Decoded = { ok: true; name: string; pixels: Uint8Array; sourceWidth: number; sourceHeight: number } | { ok: false; name: string; message: string };

export async function decodeFile(file: File, shape: InputShape): Promise<Decoded> {
  const name = file.name || 'unnamed file';
  try {
    const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
    const sniff = sniffImage(head, file.size);
    if (!sniff.ok) return { ok: false, name, message: `${name}: ${sniff.message}` };
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      return { ok: false, name, message: `${name}: the ${sniff.format.toUpperCase()} data could not be decoded (the file is damaged or incomplete)` };
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
