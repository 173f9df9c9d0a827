import { categories, type ModelConfig } from './config';

/**
 * Multiply-adds of one forward pass over one image, counting every convolution as dense (masked weights are
 * computed too, as every backend does) and ignoring element-wise ops. A training step costs about three
 * forward passes (forward, input gradients, weight gradients): `trainingFlops`.
 */
export function forwardMacs(c: ModelConfig): number {
  const { height: H, width: W, channels: C, hidden: h, headWidth: hw, firstKernel: k, layers } = c;
  const K = categories(c) === 2 ? 1 : 256;
  const px = H * W;
  const map = c.condition?.mapChannels ?? 0;
  let perLayer: number;
  if (c.arch === 'gated') {
    // Stacks of n = 2h; the vertical (r+1)×3 and horizontal 1×2 kernels run zero-padded to 3×3 and 1×3 (the
    // TypeScript path; PyTorch runs the live 6 + 2 taps only), the 1×1 link 2n → 2n, out and skip n → n.
    const n = 2 * h;
    const gatedMacs = (q: number, cin: number, skip: boolean) => px * ((q * q + q) * cin * 2 * n + 4 * n * n + n * n + (skip ? n * n : 0));
    return gatedMacs(k, C, false) + layers * gatedMacs(3, n, c.skip) + px * (n * hw + hw * C * K);
  }
  if (c.arch === 'pixelcnn') perLayer = px * (2 * h * h + 9 * h * h + map * h);
  else if (c.arch === 'rowlstm') perLayer = px * (3 * 2 * h * 4 * h + 3 * h * 4 * h + map * 4 * h);
  // two directions; the state-to-state product runs over the skewed map, (W + H − 1) · H cells
  else perLayer = 2 * (px * (2 * h * 4 * h + map * 4 * h) + (W + H - 1) * H * 2 * h * 4 * h);
  perLayer += px * (h * 2 * h + (c.skip ? 2 * h * 2 * h : 0));
  return px * k * k * C * 2 * h + layers * perLayer + px * (2 * h * hw + hw * C * K);
}

/** FLOPs of one training step on `batch` images: 2 FLOPs per multiply-add, three passes. */
export function trainingFlops(c: ModelConfig, batch: number): number {
  return 3 * 2 * forwardMacs(c) * batch;
}
