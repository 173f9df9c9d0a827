/**
 * The subsampled image of a Multi-Scale PixelRNN (SPEC.md §3; issue 12): the f×f box-downsampling of an
 * n×n uint8 image, every output sub-pixel the mean of the f×f sub-pixels under it, rounded half up to an
 * integer: ⌊(sum + f²/2) / f²⌋. Plain arrays, so the build script, the loaders and the tests share it;
 * `boxDownsample` in src/core/models/multiScale.ts computes the same on tensors, and
 * train/pixelrnn/model.py `box_downsample` in PyTorch (tested equal).
 */

/** uint8 [N, H, W, C] → uint8 [N, H/f, W/f, C] (HWC, images one after another). */
export function boxDownsampleBytes(images: Uint8Array, height: number, width: number, channels: number, factor = 2): Uint8Array {
  if (height % factor !== 0 || width % factor !== 0) throw new Error(`boxDownsample: ${height}×${width} is not a multiple of ${factor}`);
  const imageSize = height * width * channels;
  if (images.length % imageSize !== 0) throw new Error(`boxDownsample: ${images.length} bytes is not a whole number of ${height}×${width}×${channels} images`);
  const n = images.length / imageSize;
  const h = height / factor;
  const w = width / factor;
  const area = factor * factor;
  const half = area / 2;
  const out = new Uint8Array(n * h * w * channels);
  for (let i = 0; i < n; i++) {
    const src = i * imageSize;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let dy = 0; dy < factor; dy++)
            for (let dx = 0; dx < factor; dx++) sum += images[src + ((y * factor + dy) * width + x * factor + dx) * channels + c]!;
          out[((i * h + y) * w + x) * channels + c] = Math.floor((sum + half) / area);
        }
  }
  return out;
}
