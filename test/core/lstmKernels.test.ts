import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { checkLstmCell, lstmCell } from '../../src/core/layers/lstm';
import { hasFusedLstm, LSTM_CELL } from '../../src/core/layers/lstmKernels';
import { PixelModel } from '../../src/core/models/pixelModel';
import { meanNll } from '../../src/core/likelihood';
import { randomImages, tinyConfig } from './helpers';

// The fused cell is a WebGPU kernel: TFJS_BACKEND=webgpu runs this file on WebGPU through Dawn (on this machine
// SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json). In the browser, the e2e bench spec
// runs the same check (checkLstmCell) on Chromium's WebGPU.
const backend = tf.getBackend();

describe.runIf(backend !== 'webgpu')(`the LSTM cell on ${backend}`, () => {
  it('is the composite of tfjs ops: no fused kernel is registered here', async () => {
    expect(tf.getKernel(LSTM_CELL, backend)).toBeUndefined();
    expect(hasFusedLstm()).toBe(false);
    const check = await checkLstmCell();
    expect(check.fused).toBe(false);
    expect(check.h).toBe(0);
  });
});

describe.runIf(backend === 'webgpu')('the fused LSTM cell on WebGPU equals the composite of tfjs ops', () => {
  it('is the kernel this backend runs, and off when switched off', () => {
    expect(tf.getKernel(LSTM_CELL, 'webgpu')).toBeDefined();
    expect(hasFusedLstm()).toBe(true);
    expect(hasFusedLstm(false)).toBe(false);
  });

  it('values and gradients to 1e-5, saturated gates included, without leaks', async () => {
    const before = tf.memory().numTensors;
    const check = await checkLstmCell();
    expect(tf.memory().numTensors).toBe(before);
    expect(check.fused).toBe(true);
    for (const k of ['h', 'c', 'dGates', 'dcPrev'] as const) expect(check[k], k).toBeLessThan(1e-5);
  });

  it('gradients when c is outside the loss (the engine hands the kernel zeros for it)', async () => {
    const gates = tf.randomNormal([3, 8], 0, 2, 'float32', 5);
    const cPrev = tf.randomNormal([3, 2], 0, 1, 'float32', 6);
    const grads = (fused: boolean) => tf.grads((g: tf.Tensor, c: tf.Tensor) => tf.sum(lstmCell(g, c, fused).h))([gates, cPrev]);
    const [a, b] = [grads(true), grads(false)];
    for (let i = 0; i < 2; i++) {
      const [x, y] = [await a[i]!.data(), await b[i]!.data()];
      for (let k = 0; k < x.length; k++) expect(Math.abs(x[k]! - y[k]!)).toBeLessThan(1e-6);
    }
    tf.dispose([gates, cPrev, ...a, ...b]);
  });

  it('refuses gates that do not match the state', () => {
    const gates = tf.zeros([2, 12]);
    const cPrev = tf.zeros([2, 4]);
    expect(() => lstmCell(gates, cPrev)).toThrow(/do not match/);
    tf.dispose([gates, cPrev]);
  });

  // SwiftShader (software WebGPU) is slow: a short curve.
  const steps = 12;
  for (const arch of ['rowlstm', 'diagonal'] as const)
    it(`${arch}: a small model's training curve is the same over ${steps} steps`, { timeout: 600_000 }, async () => {
      const config = tinyConfig(arch, 3, { height: 5, width: 5, hidden: 6, headWidth: 16 });
      const x = randomImages(config, 2, 11);
      const curve = async (fusedLstm: boolean): Promise<number[]> => {
        const model = new PixelModel(config, { path: { project: true, ownScans: true, fusedLstm } });
        const opt = tf.train.adam(3e-3);
        const losses: number[] = [];
        for (let s = 0; s < steps; s++) {
          const l = opt.minimize(() => meanNll(model.logits(x), x, config.output), true)!;
          losses.push((await l.data())[0]!);
          l.dispose();
        }
        opt.dispose();
        model.dispose();
        return losses;
      };
      const fused = await curve(true);
      const ops = await curve(false);
      expect(fused[steps - 1]!).toBeLessThan(fused[0]! * 0.99); // it learns
      for (let s = 0; s < steps; s++) expect(Math.abs(fused[s]! - ops[s]!) / ops[s]!).toBeLessThan(1e-3);
      x.dispose();
    });
  });
