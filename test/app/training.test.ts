/**
 * The fine-tune adapter of the training worker (src/worker/training.ts) in Node on the cpu backend: the
 * held-out split, 0/1 uploads trained as binary images, pause → resume continuing the same Trainer
 * (same losses as a run never paused, no optimiser restart), a saved fine-tune continued from its
 * checkpoint as if never stopped, and the tab's reducer of the worker's events.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Trainer } from '../../src/core/train/index';
import { initialState } from '../../src/store/state';
import { reduceTrainEvent, type Finetune } from '../../src/store/actions/finetuneReducer';
import type { TrainArgs, TrainEvent } from '../../src/worker/protocol';
import { continueFineTune, fineTune, PauseSwitch, savedRunOf, splitHeldOut } from '../../src/worker/training';
import { tinyDataset, tinyModel, weightsOf } from '../train/helpers';

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

  it('continues a saved fine-tune from its checkpoint: step, optimiser state, data order and images carry on', async () => {
    const before = tf.memory().numTensors;
    const hooks = () => ({ signal: new AbortController().signal, pause: new PauseSwitch() });
    // Uninterrupted: 12 steps.
    const whole = tinyModel('pixelcnn');
    const lossWhole: number[] = [];
    let weightsWhole = new Map<string, Float32Array>();
    await fineTune(whole, {}, args(8, 12), {
      ...hooks(),
      emit: (e) => e.type === 'step' && lossWhole.push(e.loss),
      save: async (m, card) => void (card.steps === 12 && (weightsWhole = await weightsOf(m))),
    });
    whole.dispose();
    // 8 steps, saved with a checkpoint (the arguments' images are gone after this: the checkpoint has them) …
    const first = tinyModel('pixelcnn');
    const loss: number[] = [];
    let checkpoint: tf.io.ModelArtifacts | null = null;
    await fineTune(first, { baseModel: 'b' }, args(8, 8), {
      ...hooks(),
      emit: (e) => e.type === 'step' && loss.push(e.loss),
      save: async () => {},
      saveCheckpoint: async (ck) => void (checkpoint = ck),
    });
    first.dispose();
    expect(savedRunOf(checkpoint!)).toMatchObject({ step: 8, optimizerUpdates: 8, optimizer: 'adam', images: 8, batchSize: 4, learningRate: 0.02 });
    // … then 4 more from it.
    const events: TrainEvent[] = [];
    let weights = new Map<string, Float32Array>();
    let card: Record<string, unknown> = {};
    const done = await continueFineTune(checkpoint!, { saveKey: 'x', steps: 4, sampleEvery: 0, backend: { forced: null, known: {} } }, {
      ...hooks(),
      emit: (e) => {
        events.push(e);
        if (e.type === 'step') loss.push(e.loss);
      },
      save: async (m, c) => {
        weights = await weightsOf(m);
        card = c;
      },
      onTrainer: (t) => expect(t.optimizer.updates).toBe(8),
    });
    expect(done).toMatchObject({ steps: 12, stopped: false });
    expect(events[0]).toEqual({ type: 'resumed', step: 8, optimizerUpdates: 8 });
    expect(events.flatMap((e) => (e.type === 'step' ? [e.step] : []))).toEqual([9, 10, 11, 12]);
    // The continued card is the fine-tune's own (src/core/io/card.ts): its name and steps; the base card's fields stay the base's.
    expect(card).toMatchObject({ name: 'x', steps: 12 });
    expect(card.baseModel).toBeUndefined();
    // The same run as one never stopped (micro-batch chunks may differ between runs: float rounding only).
    expect(loss).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect(loss[i]).toBeCloseTo(lossWhole[i]!, 3);
    for (const [name, w] of weightsWhole) for (let i = 0; i < w.length; i++) expect(weights.get(name)![i]).toBeCloseTo(w[i]!, 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to continue from a model saved without its training state', async () => {
    const model = tinyModel('pixelcnn');
    const { toArtifacts } = await import('../../src/core/io/artifacts');
    const plain = await toArtifacts(model, {});
    model.dispose();
    expect(savedRunOf(plain)).toBeNull();
    await expect(continueFineTune(plain, { saveKey: 'x', steps: 1, sampleEvery: 0, backend: { forced: null, known: {} } }, { emit: () => {}, signal: new AbortController().signal, pause: new PauseSwitch(), save: async () => {} })).rejects.toThrow(/no fine-tune to continue/);
  });
});

describe("the Fine-tune tab's reducer", () => {
  const config = tinyModel('pixelcnn').config;
  const run = (events: TrainEvent[]): Finetune => events.reduce<Finetune>((ft, e) => reduceTrainEvent(ft, e, config), { ...initialState.finetune, status: 'running' });

  it('follows a run: resumed, steps, evaluations, samples, saves, pause and stop', () => {
    const ft = run([
      { type: 'resumed', step: 8, optimizerUpdates: 8 },
      { type: 'eval', step: 8, bitsPerDim: 0.9 },
      { type: 'step', step: 9, loss: 40, bitsPerDim: 0.8, imagesPerSecond: 12, etaSeconds: 3 },
      { type: 'skip', step: 10, reason: 'non-finite loss', consecutive: 2 },
      { type: 'samples', step: 10, images: new Uint8Array(64), count: 1 },
      { type: 'saved', step: 10, key: 'k' },
      { type: 'paused', step: 10 },
    ]);
    expect(ft).toMatchObject({ status: 'paused', step: 10, startStep: 8, savedKey: 'k', savedStep: 10, imagesPerSecond: 12, message: 'Paused after step 10.' });
    expect(ft.loss).toEqual([{ step: 9, value: 0.8 }]);
    expect(ft.valBits).toEqual([{ step: 8, value: 0.9 }]);
    expect(ft.skipNote).toBe('step 10 skipped: non-finite loss (2 in a row)');
    expect(ft.samples).toMatchObject({ step: 10, count: 1, config });
    const stopped = reduceTrainEvent(ft, { type: 'stopped', step: 10 }, config);
    expect(stopped).toMatchObject({ status: 'stopping', message: expect.stringMatching(/^Stopped after step 10/) });
    expect(reduceTrainEvent(stopped, { type: 'status', message: 'hi' }, config).message).toBe('hi');
  });
});
