import { categories, type ModelConfig } from '../models/config';
import { deriveSeed, mulberry32, type Rng } from '../random';
import { drawBinary, drawCategorical, logProbOf } from './draw';
import type { SampleOptions, SampleResult } from './types';

/**
 * Where a sampler gets the conditional of the next sub-pixel. Called once per step, in raster × RGB order,
 * with the images as they stand (every earlier sub-pixel final); returns the logits of sub-pixel
 * (row, col, channel) for the whole batch: [B·K] with K = 256, or [B] for binary models.
 * A step whose sub-pixels are all known is not asked for, so a provider that caches must catch up on
 * the next call from the images it is given.
 */
export interface LogitsProvider {
  logitsAt(row: number, col: number, channel: number, images: Uint8Array): Promise<Float32Array>;
  dispose(): void;
}

/**
 * The sampling loop both samplers share: pixels in raster order and R → G → B inside each pixel; every
 * image b draws from its own random stream derived from (seed, b), one uniform per sub-pixel whether
 * the sub-pixel is known or not, so an image depends only on the seed and its index.
 */
export async function runSampling(config: ModelConfig, options: SampleOptions, provider: LogitsProvider): Promise<SampleResult> {
  const { height: H, width: W, channels: C } = config;
  const B = options.count;
  const T = options.temperature ?? 1;
  const K = categories(config) === 2 ? 1 : 256;
  const per = H * W * C;
  const images = new Uint8Array(B * per);
  const known = expandKnown(options, B, per);
  if (known) for (let i = 0; i < images.length; i++) if (known.mask[i]) images[i] = known.image[i]!;
  const rngs: Rng[] = Array.from({ length: B }, (_, b) => mulberry32(deriveSeed(options.seed, b)));
  const logProb = new Float64Array(B);
  let done = 0;
  try {
    for (let row = 0; row < H; row++) {
      for (let col = 0; col < W; col++) {
        for (let ch = 0; ch < C; ch++) {
          if (options.signal?.aborted) return { images, stopped: true, logProb };
          const at = (row * W + col) * C + ch;
          const u = rngs.map((r) => r.next());
          const open = known ? u.map((_, b) => !known.mask[b * per + at]) : u.map(() => true);
          if (open.some(Boolean)) {
            const logits = await provider.logitsAt(row, col, ch, images);
            for (let b = 0; b < B; b++) {
              if (!open[b]) continue;
              const v = K === 1 ? drawBinary(logits[b]!, T, u[b]!) : drawCategorical(logits, b * K, K, T, u[b]!);
              images[b * per + at] = v;
              logProb[b]! += logProbOf(logits, b * K, K, v);
            }
          }
          done++;
          await options.onStep?.({ done, total: per, row, col, channel: ch, images });
        }
      }
    }
  } finally {
    provider.dispose();
  }
  return { images, stopped: false, logProb };
}

/** The known sub-pixels for the whole batch ([B,H,W,C]), a mask shared by the batch repeated per image. */
export function expandKnown(options: SampleOptions, batch: number, per: number): { image: Uint8Array; mask: Uint8Array } | null {
  const k = options.known;
  if (!k) return null;
  if (k.image.length !== k.mask.length) throw new Error('Inpainting: the image and its mask differ in size');
  if (k.image.length === per * batch) return k;
  if (k.image.length !== per) throw new Error(`Inpainting: expected ${per} or ${per * batch} sub-pixels, got ${k.image.length}`);
  const image = new Uint8Array(per * batch);
  const mask = new Uint8Array(per * batch);
  for (let b = 0; b < batch; b++) {
    image.set(k.image, b * per);
    mask.set(k.mask, b * per);
  }
  return { image, mask };
}
