/**
 * The fine-tune adapter of the training worker (src/worker/training.ts) in Node on the cpu backend: the
 * held-out split, 0/1 uploads trained as binary images, and pause → resume continuing the same Trainer
 * (same losses as a run never paused, no optimiser restart).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Trainer } from '../../src/core/train/index';
import type { TrainArgs, TrainEvent } from '../../src/worker/protocol';
import { fineTune, PauseSwitch, splitHeldOut } from '../../src/worker/training';
import { tinyDataset, tinyModel } from '../train/helpers';

/** 0/1 uploads as the page sends them for a binary model. */
function uploads(count: number): Uint8Array {
  return tinyDataset(count).images('train').map((v) => (v > 127 ? 1 : 0));
}

function args(count: number, steps: number): TrainArgs {
  return { source: { kind: 'indexeddb', key: 'x' }, saveKey: 'x', card: { name: 'x' }, images: uploads(count), count, steps, batchSize: 4, learningRate: 0.02, sampleEvery: 0, seed: 1, backend: { forced: null, known: {} } };
}

describe('fine-tune adapter', () => {
  it('holds out every 5th image (at least one), the rest train', () => {
    const imgs = Uint8Array.from({ length: 7 }, (_, i) => i); // 7 one-value images
    const s = splitHeldOut(imgs, 7, 1);
    expect([...s.held]).toEqual([0, 5]);
    expect([...s.train]).toEqual([1, 2, 3, 4, 6]);
    expect(splitHeldOut(imgs.subarray(0, 4), 4, 1).heldCount).toBe(1);
    expect(() => splitHeldOut(imgs.subarray(0, 1), 1, 1)).toThrow(/at least 2/);
  });

  it('trains on 0/1 uploads: the loss falls, evaluates, saves, and frees its tensors', async () => {
    const model = tinyModel('pixelcnn');
    const before = tf.memory().numTensors;
    const events: TrainEvent[] = [];
    const saved: number[] = [];
    const done = await fineTune(model, {}, args(10, 40), {
      emit: (e) => events.push(e),
      signal: new AbortController().signal,
      pause: new PauseSwitch(),
      save: async (_m, card) => void saved.push(card.steps as number),
    });
    expect(done).toMatchObject({ steps: 40, stopped: false });
    const loss = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
    expect(loss).toHaveLength(40);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(loss.slice(-5))).toBeLessThan(mean(loss.slice(0, 5)) * 0.8);
    const evals = events.flatMap((e) => (e.type === 'eval' ? [e.step] : []));
    expect(evals).toEqual([0, 10, 20, 30, 40]);
    expect(saved).toEqual([20, 40]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('pause → resume continues the same Trainer: same losses and optimiser updates as an unpaused run', async () => {
    const run = async (pauseAt: number | null) => {
      const model = tinyModel('pixelcnn');
      const pause = new PauseSwitch();
      const losses: number[] = [];
      let trainer: Trainer | null = null;
      let updatesAtPause = -1;
      let sawPaused = false;
      await fineTune(model, {}, args(6, 12), {
        emit: (e) => {
          if (e.type === 'step') {
            losses.push(e.loss);
            if (e.step === pauseAt) pause.pause();
          }
          if (e.type === 'paused') {
            sawPaused = true;
            expect(e.step).toBe(pauseAt);
            updatesAtPause = trainer!.optimizer.updates;
            setTimeout(() => pause.resume(), 20);
          }
        },
        signal: new AbortController().signal,
        pause,
        save: async () => {},
        onTrainer: (t) => (trainer = t),
      });
      const updates = trainer!.optimizer.updates;
      model.dispose();
      return { losses, updates, updatesAtPause, sawPaused };
    };
    const plain = await run(null);
    const paused = await run(5);
    expect(paused.sawPaused).toBe(true);
    expect(paused.updatesAtPause).toBe(5);
    expect(paused.updates).toBe(12);
    expect(paused.losses).toEqual(plain.losses);
  });

  it('stop while paused ends the run and saves the last step', async () => {
    const model = tinyModel('pixelcnn');
    const pause = new PauseSwitch();
    const stop = new AbortController();
    const saved: number[] = [];
    const done = await fineTune(model, {}, args(6, 50), {
      emit: (e) => {
        if (e.type === 'step' && e.step === 3) pause.pause();
        if (e.type === 'paused') setTimeout(() => stop.abort(), 10);
      },
      signal: stop.signal,
      pause,
      save: async (_m, card) => void saved.push(card.steps as number),
    });
    expect(done).toMatchObject({ steps: 3, stopped: true });
    expect(saved).toEqual([3]);
    model.dispose();
  });

  it('reports NaN-guard skips as events, and a diverged run as an error that says what to do', async () => {
    const model = tinyModel('pixelcnn');
    const [first] = [...model.params.vars.values()];
    first!.assign(tf.fill(first!.shape, NaN)); // every loss is NaN: every step is skipped
    const skips: string[] = [];
    const run = fineTune(model, {}, args(6, 30), {
      emit: (e) => e.type === 'skip' && skips.push(`step ${e.step} skipped: ${e.reason}`),
      signal: new AbortController().signal,
      pause: new PauseSwitch(),
      save: async () => {},
    });
    await expect(run).rejects.toThrow(/Training diverged: 10 bad steps in a row.*lower the learning rate; nothing was saved/);
    expect(skips[0]).toBe('step 1 skipped: non-finite loss');
    expect(skips).toHaveLength(10);
    model.dispose();
  });
});
