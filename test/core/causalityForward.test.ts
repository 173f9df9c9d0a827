import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { PixelModel } from '../../src/core/models/pixelModel';
import { archs, expectNoLeak, tinyConfig } from './helpers';

/**
 * Causality by forward passes only (issue "Trust and craft", item 11): for a batch of several images, change
 * every sub-pixel from p on in each image (differently in each) and require the logits of every sub-pixel
 * before p to stay exactly the same. Unlike the gradient test (batch 1), this also catches any mixing across
 * the batch, e.g. a reshape that lets one image's rows leak into another's.
 */
async function checkForward(model: PixelModel, p: number) {
  const c = model.config;
  const K = c.output === 'binary' ? 1 : 256;
  const hi = c.output === 'binary' ? 2 : 256;
  const n = c.height * c.width * c.channels;
  const batch = 3;
  const base = tf.tidy(() => tf.randomUniform([batch, c.height, c.width, c.channels], 0, hi, 'int32', 21).toFloat() as tf.Tensor4D);
  // From sub-pixel p on (raster order, R → G → B), every value is changed: v → (hi − 1) − v (never equal).
  const later = tf.tidy(() => tf.sub(hi - 1, base));
  const mask = tf.tidy(() => tf.greaterEqual(tf.range(0, n, 1, 'int32'), p).reshape([1, c.height, c.width, c.channels]).toFloat());
  const changed = tf.tidy(() => tf.add(tf.mul(base, tf.sub(1, mask)), tf.mul(later, mask)) as tf.Tensor4D);
  const [a, b] = tf.tidy(() => [model.logits(base).reshape([batch, n, K]), model.logits(changed).reshape([batch, n, K])]);
  const [va, vb, vx, vy] = await Promise.all([a!.data(), b!.data(), base.data(), changed.data()]);
  tf.dispose([base, later, mask, changed, a!, b!]);
  // The change is real: some later sub-pixel differs in every image.
  for (let i = 0; i < batch; i++) {
    let differs = false;
    for (let q = p; q < n; q++) if (vx[i * n + q] !== vy[i * n + q]) differs = true;
    expect(differs).toBe(true);
  }
  for (let i = 0; i < batch; i++)
    for (let q = 0; q < p; q++)
      for (let k = 0; k < K; k++) {
        const at = (i * n + q) * K + k;
        if (va[at] !== vb[at]) throw new Error(`image ${i}: the logits of sub-pixel ${q} changed when sub-pixels ≥ ${p} changed`);
      }
  // And the sub-pixel p itself (or one after it) does respond, so the test can fail.
  let responds = false;
  for (let i = 0; i < batch && !responds; i++)
    for (let q = p + 1; q < n && !responds; q++) for (let k = 0; k < K; k++) if (va[(i * n + q) * K + k] !== vb[(i * n + q) * K + k]) responds = true;
  expect(responds).toBe(true);
}

describe('causality by forward passes, batch of 3', () => {
  for (const arch of archs)
    for (const channels of [1, 3] as const)
      for (const [residual, skip] of [[true, true], [false, false], [true, false], [false, true]] as const)
        it(`${arch} ${channels === 1 ? 'binary' : 'RGB'}, residual ${residual}, skip ${skip}`, async () => {
          const model = new PixelModel(tinyConfig(arch, channels, { residual, skip, height: 5, width: 5, hidden: 12, headWidth: 24 }));
          const n = 5 * 5 * channels;
          await expectNoLeak(async () => {
            for (const p of [1, Math.floor(n / 2), n - 2]) await checkForward(model, p);
          });
          model.dispose();
        });
});
