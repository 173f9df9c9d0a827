import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MultiScaleModel, subsample } from '../../src/core/models/multiScale';
import { PixelModel } from '../../src/core/models/pixelModel';
import { sampleNaive } from '../../src/core/sampling/naive';
import { expectNoLeak, tinyConfig } from './helpers';

describe('naive sampler', () => {
  const model = new PixelModel(tinyConfig('pixelcnn', 3, { height: 4, width: 4 }));

  it('same seed → same images; another seed → other images', async () => {
    const a = await sampleNaive(model, { count: 2, seed: 5 });
    const b = await sampleNaive(model, { count: 2, seed: 5 });
    const c = await sampleNaive(model, { count: 2, seed: 6 });
    expect(a.images).toEqual(b.images);
    expect(a.images).not.toEqual(c.images);
    expect(a.images.length).toBe(2 * 4 * 4 * 3);
    // an image depends on the seed and its index only, not on the batch size
    const one = await sampleNaive(model, { count: 1, seed: 5 });
    expect(one.images).toEqual(a.images.subarray(0, 48));
  });

  it('visits sub-pixels in raster order, R → G → B inside each pixel', async () => {
    const order: string[] = [];
    await sampleNaive(model, { count: 1, seed: 1, onStep: (p) => void order.push(`${p.row},${p.col},${p.channel}`) });
    expect(order.slice(0, 7)).toEqual(['0,0,0', '0,0,1', '0,0,2', '0,1,0', '0,1,1', '0,1,2', '0,2,0']);
    expect(order.length).toBe(48);
    expect(order.at(-1)).toBe('3,3,2');
  });

  it('never changes a known sub-pixel and draws the rest', async () => {
    const image = new Uint8Array(48).map((_, i) => (i * 37) % 256);
    const mask = new Uint8Array(48).map((_, i) => (i < 24 || i % 5 === 0 ? 1 : 0));
    const r = await sampleNaive(model, { count: 3, seed: 2, known: { image, mask } });
    for (let b = 0; b < 3; b++)
      for (let i = 0; i < 48; i++) if (mask[i]) expect(r.images[b * 48 + i]).toBe(image[i]);
    // the hidden sub-pixels were drawn (three completions do not all agree with the reference)
    let differs = 0;
    for (let i = 0; i < 48; i++) if (!mask[i] && r.images[i] !== image[i]) differs++;
    expect(differs).toBeGreaterThan(0);
    expect(r.logProb.every((l) => l < 0 && Number.isFinite(l))).toBe(true);
  });

  it('temperature 0 takes the most likely value, the same for every seed', async () => {
    const a = await sampleNaive(model, { count: 1, seed: 1, temperature: 0 });
    const b = await sampleNaive(model, { count: 1, seed: 99, temperature: 0 });
    expect(a.images).toEqual(b.images);
  });

  it('stops when asked and returns the partial images', async () => {
    const ctl = new AbortController();
    const r = await sampleNaive(model, { count: 1, seed: 1, signal: ctl.signal, onStep: (p) => (p.done === 5 ? ctl.abort() : undefined) });
    expect(r.stopped).toBe(true);
  });

  it('leaks no tensors over a whole batch of images, binary and RGB', async () => {
    const bin = new PixelModel(tinyConfig('diagonal', 1, { height: 4, width: 4 }));
    await expectNoLeak(() => sampleNaive(bin, { count: 2, seed: 3 }));
    await expectNoLeak(() => sampleNaive(model, { count: 1, seed: 3 }));
    const r = await sampleNaive(bin, { count: 2, seed: 3 });
    expect([...r.images].every((v) => v === 0 || v === 1)).toBe(true);
    bin.dispose();
  });
});

describe('multi-scale PixelRNN', () => {
  it('samples the small image, then the large one conditioned on it; NLL adds up', async () => {
    const small = tinyConfig('rowlstm', 1, { height: 2, width: 2 });
    const large = tinyConfig('rowlstm', 1, { height: 4, width: 4, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 4 } });
    const ms = new MultiScaleModel(small, large);
    const { small: s, large: l } = await expectNoLeak(() => ms.sample({ count: 2, seed: 4 }));
    expect(s.images.length).toBe(2 * 4);
    expect(l.images.length).toBe(2 * 16);
    const x = tf.tensor4d(l.images, [2, 4, 4, 1], 'float32');
    const nll = await ms.nllPerImage(x).data();
    expect(nll.every((n) => n > 0 && Number.isFinite(n))).toBe(true);
    const sub = subsample(tf.tensor4d([...Array(16).keys()], [1, 4, 4, 1]), 2);
    expect(Array.from(await sub.data())).toEqual([3, 5, 11, 13]); // 2×2 means 2.5, 4.5, 10.5, 12.5 rounded half up
    tf.dispose([x, sub]);
    ms.dispose();
  });
});
