/** Saving what is on screen: a grid of images as a PNG, any bytes as a download. DOM only, no state. */
import { drawGrid, gridLayout, type ImageShape } from './pixels';

/** The grid at `scale` × its size (nearest-neighbour, so pixels stay crisp), as a PNG blob. */
export async function gridPng(images: Uint8Array, count: number, shape: ImageShape, scale = 8): Promise<Blob> {
  const layout = gridLayout(count, shape);
  const small = document.createElement('canvas');
  small.width = layout.pxWidth;
  small.height = layout.pxHeight;
  drawGrid(small.getContext('2d')!, images, count, shape, layout);
  const big = document.createElement('canvas');
  big.width = layout.pxWidth * scale;
  big.height = layout.pxHeight * scale;
  const ctx = big.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, big.width, big.height);
  return new Promise((resolve, reject) => big.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
