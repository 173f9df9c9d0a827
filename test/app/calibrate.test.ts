/**
 * The calibration's measurements (src/gpu/calibrate.ts) in Node on the cpu backend, with a tiny model:
 * positive figures, the step counts asked for, the model's weights untouched by sampling, and no tensor
 * left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { calibrate, forwardMs, measureSampling, measureTraining } from '../../src/gpu/calibrate';
import { plan } from '../../src/gpu/choice';
import type { Environment } from '../../src/gpu/names';
import { tinyModel } from '../train/helpers';

const env: Environment = {
  probes: [
    { name: 'webgpu', available: false, software: false, detail: 'none in Node' },
    { name: 'wasm', available: false, software: false, detail: 'not in this test' },
    { name: 'webgl', available: false, software: false, detail: 'none in Node' },
    { name: 'cpu', available: true, software: false, detail: 'plain JavaScript' },
  ],
  deviceKey: 'test',
  isolated: false,
};

describe('calibration measurements (cpu)', () => {
  it('sampling: sub-pixels/s over the steps asked for, after one warm-up pixel; no leak', async () => {
    const model = tinyModel('pixelcnn');
    const before = tf.memory().numTensors;
    const r = await measureSampling(model, { batch: 2, budgetMs: Infinity, maxSteps: 10 });
    expect(r.steps).toBe(10);
    expect(r.subPixelsPerSec).toBeGreaterThan(0);
    expect(r.warmupMs).toBeGreaterThanOrEqual(0);
    expect(tf.memory().numTensors).toBe(before);
    // A budget stops it early: at least one step, at most the first row.
    const quick = await measureSampling(model, { batch: 1, budgetMs: 0 });
    expect(quick.steps).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('training: real steps (the weights change), images/s from their time; forward pass timed; no leak', async () => {
    const model = tinyModel('rowlstm');
    const w0 = Array.from(await model.params.vars.values().next().value!.data());
    const before = tf.memory().numTensors;
    const r = await measureTraining(model, { batch: 3, budgetMs: 0, minSteps: 2, warm: false });
    expect(r.steps).toBe(2);
    expect(r.imagesPerSec).toBeCloseTo((1000 * 3) / r.msPerStep, 6);
    expect(await forwardMs(model, true)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(await model.params.vars.values().next().value!.data())).not.toEqual(w0);
    model.dispose();
  });

  it('calibrate: measures the plan on a throw-away model and picks; the active backend is kept; no leak', async () => {
    const config = tinyModel('pixelcnn').config;
    const before = tf.memory().numTensors;
    const sampling = await calibrate('sampling', config, plan(env.probes, null), env, { batch: 2, budgetMs: 20 });
    expect(sampling).toMatchObject({ job: 'sampling', name: 'cpu', how: 'measured' });
    expect(sampling.measurements.find((m) => m.name === 'cpu')!.rate).toBeGreaterThan(0);
    const training = await calibrate('training', config, plan(env.probes, null), env, { batch: 2 });
    expect(training.measurements.find((m) => m.name === 'cpu')!.note).toMatch(/batch 2, 1 step of \d+ ms/);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(before);
  });
});
