import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { meanNll } from '../../src/core/likelihood';
import { validateConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { preset, presets, type PresetName } from '../../src/core/models/presets';
import { archs, expectNoLeak, randomImages, tinyConfig } from './helpers';

describe('models', () => {
  it('give logits of the right shape, the same for the same seed', async () => {
    for (const arch of archs) {
      const rgb = new PixelModel(tinyConfig(arch, 3));
      const twin = new PixelModel(tinyConfig(arch, 3));
      const bin = new PixelModel(tinyConfig(arch, 1));
      const x3 = randomImages(rgb.config, 2);
      const x1 = randomImages(bin.config, 2);
      const a = rgb.logits(x3);
      const b = twin.logits(x3);
      const c = bin.logits(x1);
      expect(a.shape).toEqual([2, 6, 6, 3, 256]);
      expect(c.shape).toEqual([2, 6, 6, 1]);
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([x3, x1, a, b, c]);
      [rgb, twin, bin].forEach((m) => m.dispose());
    }
  });

  it('every preset is a valid config; the paper MNIST model is Diagonal BiLSTM, 7 layers, h = 16, head 32', () => {
    for (const name of Object.keys(presets) as PresetName[]) expect(() => validateConfig(preset(name))).not.toThrow();
    expect(preset('paper-mnist-diagonal')).toMatchObject({ arch: 'diagonal', layers: 7, hidden: 16, headWidth: 32, output: 'binary' });
    expect(preset('paper-cifar-pixelcnn')).toMatchObject({ layers: 15, hidden: 128, headWidth: 1024 });
  });

  it('rejects bad configs with a message', () => {
    expect(() => new PixelModel(tinyConfig('pixelcnn', 3, { output: 'binary' }))).toThrow(/binary output needs channels = 1/);
    expect(() => new PixelModel(tinyConfig('rowlstm', 1, { firstKernel: 4 }))).toThrow(/firstKernel must be odd/);
    const m = new PixelModel(tinyConfig('pixelcnn', 1));
    const wrong = tf.zeros([1, 5, 6, 1]) as tf.Tensor4D;
    expect(() => m.logits(wrong)).toThrow(/Expected images of shape \[B,6,6,1\]/);
    wrong.dispose();
    m.dispose();
  });

  it('forward and loss leak no tensors', async () => {
    for (const arch of archs) {
      const m = new PixelModel(tinyConfig(arch, 3));
      const x = randomImages(m.config, 2);
      await expectNoLeak(async () => {
        const loss = tf.tidy(() => meanNll(m.logits(x), x, 'softmax256'));
        expect(Number.isFinite((await loss.data())[0])).toBe(true);
        loss.dispose();
        const g = tf.variableGrads(() => meanNll(m.logits(x), x, 'softmax256'));
        tf.dispose([g.value, ...Object.values(g.grads)]);
      });
      x.dispose();
      m.dispose();
    }
  });

  for (const arch of archs)
    for (const channels of [1, 3] as const)
      it(`${arch} ${channels === 1 ? 'binary' : 'RGB'}: a few dozen Adam steps on a tiny fixed batch lower the loss clearly`, async () => {
        const m = new PixelModel(tinyConfig(arch, channels, { height: 4, width: 4, hidden: 6, headWidth: 12, layers: 1 }));
        const x = randomImages(m.config, 4, 13);
        const opt = tf.train.adam(0.01);
        const loss = () => meanNll(m.logits(x), x, m.config.output);
        const first = tf.tidy(loss);
        const l0 = (await first.data())[0]!;
        first.dispose();
        let last = l0;
        for (let s = 0; s < 30; s++) {
          const l = opt.minimize(loss, true)!;
          last = (await l.data())[0]!;
          l.dispose();
        }
        expect(last).toBeLessThan(0.8 * l0);
        opt.dispose();
        x.dispose();
        m.dispose();
      });
});
