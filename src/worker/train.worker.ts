/** The training worker: check → load the base model → fine-tune (streamed events) → saved, with pause/stop. */
import { chooseBackend, currentDevice, watchDevice } from '../gpu/backend';
import * as models from './models';
import type { TrainerApi } from './protocol';
import { serve } from './rpc';
import { fineTune } from './training';

let paused: { promise: Promise<void>; resume: () => void } | null = null;

const notify = serve<TrainerApi>({
  async init({ backend }) {
    const info = await chooseBackend(backend);
    watchDevice(
      (message) => notify({ type: 'deviceLost', message }),
      (message) => notify({ type: 'gpuError', message }),
    );
    return info;
  },

  async train(args, ctx) {
    ctx.emit({ type: 'status', message: 'Loading the model to fine-tune…' });
    const { model, card } = await models.openModel(args.source);
    const resumeOnAbort = () => paused?.resume();
    ctx.signal.addEventListener('abort', resumeOnAbort);
    try {
      return await fineTune(model, card, args, {
        emit: (e) => ctx.emit(e),
        signal: ctx.signal,
        whilePaused: () => paused?.promise ?? Promise.resolve(),
        save: (m, c) => models.saveLocal(m, args.saveKey, c),
      });
    } finally {
      ctx.signal.removeEventListener('abort', resumeOnAbort);
      paused = null;
      model.dispose();
    }
  },

  async control({ action }) {
    if (action === 'pause' && !paused) {
      let resume = () => {};
      const promise = new Promise<void>((r) => (resume = r));
      paused = { promise, resume: () => ((paused = null), resume()) };
    } else if (action === 'resume') paused?.resume();
  },

  async debug({ what }) {
    if (what === 'crash')
      setTimeout(() => {
        throw new Error('Simulated crash of the training worker');
      });
    else currentDevice()?.destroy();
  },
});
