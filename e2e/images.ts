/** PNG files made in the test, so the suite needs no binary fixtures. */
import { PNG } from 'pngjs';

/** A w × h PNG whose colour at (x, y) is f(x, y) = [r, g, b, a]. */
export function png(w: number, h: number, f: (x: number, y: number) => [number, number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = f(x, y);
      const o = (y * w + x) * 4;
      p.data[o] = r;
      p.data[o + 1] = g;
      p.data[o + 2] = b;
      p.data[o + 3] = a;
    }
  return PNG.sync.write(p);
}

export const gradient = (w = 32, h = 32): Buffer => png(w, h, (x, y) => [(x * 255) / (w - 1), (y * 255) / (h - 1), 128, 255]);

/** A valid PNG header claiming `w` × `h` pixels, with no image data after it (the app must refuse it unread). */
export function pngHeaderOnly(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b[24] = 8; // bit depth
  b[25] = 6; // RGBA
  return b;
}

/** A real PNG cut in the middle of its data: the header reads, the pixels do not decode. */
export function truncatedPng(): Buffer {
  const full = png(64, 64, (x, y) => [(x * 37) % 256, (y * 91) % 256, (x * y) % 256, 255]);
  return full.subarray(0, Math.floor(full.length / 2));
}

/** Light strokes on dark, like MNIST digits: a bar at a row offset. */
export function bar(offset: number): Buffer {
  return png(28, 28, (_x, y) => (y >= 8 + offset && y < 14 + offset ? [255, 255, 255, 255] : [0, 0, 0, 255]));
}
