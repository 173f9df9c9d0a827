/**
 * The training worker: check → load the base model (or a saved fine-tune's checkpoint) → choose the
 * training backend (forced, cached or calibrated) → fine-tune (streamed events) → saved, with pause/stop.
 */
import type * as tf from '@tensorflow/tfjs';
import { currentDevice } from '../gpu/backend';
import { activate, chooseFor, environment, startDefault } from './backends';
import * as models from './models';
import type { TrainerApi } from './protocol';
import { serve } from './rpc';
import { continueFineTune, fetchTrainingSubset, fineTune, PauseSwitch, savedRunOf, type TrainHooks } from './training';
import { createModel } from '../core/index';
import { flopsPerImage, SCRATCH_SIZES, scratchConfig } from '../core/train/index';

/** The pause switch of the running fine-tune (one at a time). */
let pause: PauseSwitch | null = null;

/** A saved fine-tune's checkpoint, or null when there is none. */
async function readCheckpoint(modelKey: string): Promise<tf.io.ModelArtifacts | null> {
  const key = models.trainStateKey(modelKey);
  if (!(await models.listLocal()).some((m) => m.key === key)) return null;
  return models.idb(key).load!();
}

/**
 * Runs a fine-tune (fresh or continued) with this worker's hooks: events to the caller, its cancel signal,
 * the pause switch that `control` flips while it runs, and saves of the model and its checkpoint under `saveKey`.
 */
async function withRunHooks<T>(
  saveKey: string,
  ctx: { emit: (e: Parameters<TrainHooks['emit']>[0]) => void; signal: AbortSignal },
  run: (hooks: TrainHooks) => Promise<T>,
): Promise<T> {
  const own = new PauseSwitch();
  pause = own;
  try {
    return await run({
      emit: (e) => ctx.emit(e),
      signal: ctx.signal,
      pause: own,
      save: (m, c) => models.saveLocal(m, saveKey, c),
      saveCheckpoint: async (ck) => void (await models.idb(models.trainStateKey(saveKey)).save!(ck)),
    });
  } finally {
    if (pause === own) pause = null;
  }
}

const notify = serve<TrainerApi>({
  init: () => environment(),

  async train(args, ctx) {
    if (args.builtIn) {
      ctx.emit({ type: 'status', message: `Fetching ${args.builtIn.count} training images…` });
      const subset = await fetchTrainingSubset(args.builtIn.url, args.builtIn.count);
      args = { ...args, images: subset.images, count: subset.count };
    }
    ctx.emit({ type: 'status', message: 'Loading the model to fine-tune…' });
    const artifacts = await models.readArtifacts(args.source);
    const config = await models.configOf(args.source, artifacts);
    if (!args.backend.forced) ctx.emit({ type: 'status', message: 'Choosing the backend that trains fastest here…' });
    const { choice, shapeKey, env } = await chooseFor('training', config, args.backend, args.batchSize, (m) =>
      ctx.emit({ type: 'status', message: `Measured ${m.name}: ${m.rate ? `${m.rate.toFixed(1)} images/s` : m.note}` }),
    );
    ctx.emit({ type: 'backend', choice, shapeKey });
    await activate(choice, env, notify);
    const { model, card } = await models.build(args.source, artifacts);
    try {
      return await withRunHooks(args.saveKey, ctx, (hooks) => fineTune(model, card, args, hooks));
    } finally {
      model.dispose();
    }
  },

  async continueTraining(args, ctx) {
    ctx.emit({ type: 'status', message: 'Loading the saved fine-tune…' });
    const checkpoint = await readCheckpoint(args.saveKey);
    if (!checkpoint) throw new Error('This model has no saved fine-tune to continue (only its weights were saved)');
    const source = { kind: 'indexeddb', key: args.saveKey } as const;
    const config = await models.configOf(source, checkpoint);
    const { choice, shapeKey, env } = await chooseFor('training', config, args.backend, savedRunOf(checkpoint)?.batchSize ?? 8);
    ctx.emit({ type: 'backend', choice, shapeKey });
    await activate(choice, env, notify);
    return withRunHooks(args.saveKey, ctx, (hooks) => continueFineTune(checkpoint, args, hooks));
  },

  async scratchOptions({ dataset, arch }) {
    if (!pause) await startDefault(null); // building a model needs a backend (a running fine-tune has one already)
    return SCRATCH_SIZES.map((size) => {
      const config = scratchConfig(dataset, arch, size);
      const model = createModel(config);
      const params = model.params.count();
      model.dispose();
      return { size, config, params, flopsPerImage: flopsPerImage(config) };
    });
  },

  async savedRun({ key }) {
    const checkpoint = await readCheckpoint(key);
    return checkpoint ? savedRunOf(checkpoint) : null;
  },

  async control({ action }) {
    if (action === 'pause') pause?.pause();
    else pause?.resume();
  },

  async debug({ what }) {
    if (what === 'crash')
      // After this call's reply: the worker gives up and closes (a stray uncaught error would not crash it).
      setTimeout(() => notify({ type: 'fatal', message: 'Simulated crash of the training worker' }));
    else currentDevice()?.destroy();
  },
});
