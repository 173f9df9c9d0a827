/** The training worker: check → load the base model → fine-tune (streamed events) → saved, with pause/stop. */
import { chooseBackend, currentDevice, preferSmallMatmulOnSoftware, watchDevice } from '../gpu/backend';
import * as models from './models';
import type { TrainerApi } from './protocol';
import { serve } from './rpc';
import { fineTune, PauseSwitch } from './training';

/** The pause switch of the running fine-tune (one at a time). */
let pause: PauseSwitch | null = null;

const notify = serve<TrainerApi>({
  async init({ backend }) {
    const info = await chooseBackend(backend);
    // SwiftShader, 8×8 test models (Dawn in Node): a training step 1.26 → 0.93–1.10 s, the samples drawn
    // during training 33 s → 1–2 s.
    preferSmallMatmulOnSoftware(info);
    watchDevice(
      (message) => notify({ type: 'deviceLost', message }),
      (message) => notify({ type: 'gpuError', message }),
    );
    return info;
  },

  async train(args, ctx) {
    ctx.emit({ type: 'status', message: 'Loading the model to fine-tune…' });
    const { model, card } = await models.openModel(args.source);
    const own = new PauseSwitch();
    pause = own;
    try {
      return await fineTune(model, card, args, {
        emit: (e) => ctx.emit(e),
        signal: ctx.signal,
        pause: own,
        save: (m, c) => models.saveLocal(m, args.saveKey, c),
      });
    } finally {
      if (pause === own) pause = null;
      model.dispose();
    }
  },

  async control({ action }) {
    if (action === 'pause') pause?.pause();
    else pause?.resume();
  },

  async debug({ what }) {
    if (what === 'crash')
      setTimeout(() => {
        throw new Error('Simulated crash of the training worker');
      });
    else currentDevice()?.destroy();
  },
});
