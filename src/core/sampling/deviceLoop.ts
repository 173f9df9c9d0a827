import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../models/config';
import { deriveSeed, mulberry32, type Rng } from '../random';
import { drawOnDevice, float32Uniform } from './deviceDraw';
import { DeviceImages } from './deviceImages';
import { expandKnown } from './loop';
import type { DeviceSampleOptions, SampleResult } from './types';

/**
 * Where a sampler that draws on the device gets the conditional of the next sub-pixel: the same contract
 * as `LogitsProvider` (loop.ts), but the images are the device's and the logits stay there.
 * Returns the logits of sub-pixel (row, col, channel) for the batch: [B, K] (K = 256, or 1 for binary), a new
 * tensor that the loop disposes.
 */
export interface DeviceLogitsProvider {
  logitsOn(row: number, col: number, channel: number, images: DeviceImages): tf.Tensor2D;
  dispose(): void;
}

/**
 * The sampling loop of `runSampling` (loop.ts) with the draw on the device: the same order (raster, R → G → B
 * inside a pixel), the same random streams (image b from (seed, b), one uniform per sub-pixel whether known
 * or not), the same skipping of steps whose sub-pixels are all known. Per step nothing comes back to the
 * CPU: the provider's logits go to `drawOnDevice`, whose values go into the device images (DeviceImages),
 * where the provider reads them at the next step.
 *
 * 1) Per batch: the known sub-pixels (or zeros) are uploaded once.
 * 2) Per row: the row's uniforms [B, W·C] (float32) and "to draw" mask [B, W·C] are uploaded once.
 * 3) Per sub-pixel: logits → draw → write into the row, and the log-probability added to the row's total.
 * 4) Read-backs as `options.readback` says (types.ts: `Readback`); the last one brings the images and each
 *    row's log-probability, summed here in float64.
 */
export async function runDeviceSampling(config: ModelConfig, options: DeviceSampleOptions, provider: DeviceLogitsProvider): Promise<SampleResult> {
  const { height: H, width: W, channels: C } = config;
  const B = options.count;
  const T = options.temperature ?? 1;
  const WC = W * C;
  const per = H * WC;
  const mode = options.readback ?? 'per-row';
  const frameMs = options.frameMs ?? 16;
  const images = new Uint8Array(B * per);
  const known = expandKnown(options, B, per);
  if (known) for (let i = 0; i < images.length; i++) if (known.mask[i]) images[i] = known.image[i]!;
  const rngs: Rng[] = Array.from({ length: B }, (_, b) => mulberry32(deriveSeed(options.seed, b)));
  const device = new DeviceImages({ batch: B, height: H, width: W, channels: C }, images);
  const reads = new Reads();
  const rowLogProb: tf.Tensor2D[] = []; // per row begun: Σ log p of its drawn sub-pixels [B,1]
  let done = 0;
  let imagesDone = 0;
  let stopped = false;
  try {
    rows: for (let row = 0; row < H; row++) {
      // 2) This row's uniforms, from each image's stream in step order (as runSampling draws them).
      const u = new Float32Array(B * WC);
      const open = new Uint8Array(B * WC);
      for (let s = 0; s < WC; s++)
        for (let b = 0; b < B; b++) {
          u[b * WC + s] = float32Uniform(rngs[b]!.next());
          open[b * WC + s] = known && known.mask[b * per + row * WC + s] ? 0 : 1;
        }
      const uRow = tf.tensor2d(u, [B, WC]);
      const openRow = tf.tensor2d(open, [B, WC], 'bool');
      device.beginRow(row);
      rowLogProb.push(tf.zeros([B, 1]));
      try {
        for (let col = 0; col < W; col++) {
          for (let ch = 0; ch < C; ch++) {
            if (options.signal?.aborted) {
              stopped = true;
              break rows;
            }
            const s = col * C + ch;
            let anyOpen = false;
            for (let b = 0; b < B && !anyOpen; b++) anyOpen = open[b * WC + s] === 1;
            if (anyOpen) {
              // 3) The step, all on the device.
              const logits = provider.logitsOn(row, col, ch, device);
              const { value, openS, lp } = tf.tidy(() => {
                const openS = openRow.slice([0, s], [B, 1]); // [B,1]
                const drawn = drawOnDevice(logits, uRow.slice([0, s], [B, 1]), T);
                const lp = tf.add(rowLogProb[row]!, tf.where(openS, drawn.logProb, tf.zerosLike(drawn.logProb))) as tf.Tensor2D; // [B,1]
                return { value: drawn.value, openS, lp };
              });
              logits.dispose();
              device.write(s, value, openS);
              openS.dispose();
              rowLogProb[row]!.dispose();
              rowLogProb[row] = lp;
              // 4) 'per-step': the values now, as the CPU draw has them.
              if (mode === 'per-step') {
                const at = row * WC + s;
                await reads.start(value, (v) => {
                  for (let b = 0; b < B; b++) if (open[b * WC + s]) images[b * per + at] = v[b]!;
                });
              } else value.dispose();
            }
            done++;
            if (mode === 'per-step') imagesDone = done;
            if (mode === 'frame') {
              // 4) 'frame': wait for a read once it is a frame (or a row) old; start one when none is in flight.
              const now = performance.now();
              if (reads.inFlight && (now - reads.startedMs >= frameMs || done - reads.startedStep >= WC)) await reads.settle();
              if (!reads.inFlight && now - reads.startedMs >= frameMs && done < per) {
                const at = done;
                void reads.start(
                  device.full(),
                  (v) => {
                    images.set(v);
                    imagesDone = at;
                  },
                  at,
                );
              }
            }
            await options.onStep?.({ done, total: per, row, col, channel: ch, images, imagesDone });
          }
        }
      } finally {
        uRow.dispose();
        openRow.dispose();
      }
      // 4) 'per-row': the finished row is read while the next one is computed (the last one comes with the
      // final read); the previous row's read must have landed first, so the device is at most a row behind.
      const finished = mode === 'per-row' && row < H - 1 ? device.current.clone() : null;
      device.endRow();
      if (finished) {
        await reads.settle();
        const r = row;
        void reads.start(finished, (v) => {
          for (let b = 0; b < B; b++) images.set(v.subarray(b * WC, (b + 1) * WC), b * per + r * WC);
          imagesDone = (r + 1) * WC;
        });
      }
    }
    // 4) The final read: the images and every row's log-probability, in one.
    await reads.settle();
    const logProb = new Float64Array(B);
    const last = tf.tidy(() => tf.concat([device.full().reshape([B, per]), tf.concat(rowLogProb, 1)], 1)); // [B, per + rows]
    const n = rowLogProb.length;
    await reads.start(last, (v) => {
      for (let b = 0; b < B; b++) {
        const o = b * (per + n);
        images.set(v.subarray(o, o + per), b * per);
        for (let k = 0; k < n; k++) logProb[b]! += v[o + per + k]!;
      }
    });
    return { images, stopped, logProb, readbacks: reads.count };
  } finally {
    await reads.settle().catch(() => undefined);
    for (const t of rowLogProb) t.dispose();
    device.dispose();
    provider.dispose();
  }
}

/**
 * The loop's read-backs, at most one in flight: each reads a tensor it then disposes and hands its values
 * to a callback. `count` is the number of reads, the figure `npm run bench:sample` reports.
 */
class Reads {
  count = 0;
  startedMs = -Infinity;
  startedStep = 0;
  private pending: Promise<void> | null = null;

  get inFlight(): boolean {
    return this.pending !== null;
  }

  /** Starts reading `t` (disposed once read); the promise settles when `apply` has run. */
  start(t: tf.Tensor, apply: (values: Float32Array) => void, step = 0): Promise<void> {
    if (this.pending) throw new Error('A read-back is already in flight');
    this.count++;
    this.startedMs = performance.now();
    this.startedStep = step;
    const p = t
      .data()
      .then((v) => apply(v as Float32Array))
      .finally(() => {
        t.dispose();
        if (this.pending === p) this.pending = null;
      });
    this.pending = p;
    return p;
  }

  /** Waits for the read in flight, if any. */
  async settle(): Promise<void> {
    if (this.pending) await this.pending;
  }
}
