/**
 * The Fine-tune tab's state as a pure function of the training worker's events: one case per event type
 * of the protocol's TrainEvent union (the compiler checks that none is forgotten). Side effects (the
 * chosen backend, refreshing the model list after a save) stay with the caller, in ./finetune.ts.
 */
import type { ModelConfig } from '../../core/index';
import type { TrainEvent } from '../../worker/protocol';
import type { AppState } from '../state';

export type Finetune = AppState['finetune'];

/** `ft` after event `e` of a run training a model of `config` (the samples are drawn in its shape). */
export function reduceTrainEvent(ft: Finetune, e: TrainEvent, config: ModelConfig): Finetune {
  switch (e.type) {
    case 'step':
      return { ...ft, step: e.step, loss: [...ft.loss, { step: e.step, value: e.bitsPerDim }], imagesPerSecond: e.imagesPerSecond, etaSeconds: e.etaSeconds, message: null };
    case 'skip':
      return { ...ft, step: e.step, skipNote: `step ${e.step} skipped: ${e.reason}${e.consecutive > 1 ? ` (${e.consecutive} in a row)` : ''}` };
    case 'paused':
      return { ...ft, status: 'paused', step: e.step, message: `Paused after step ${e.step}.` };
    case 'stopped':
      return { ...ft, status: 'stopping', step: e.step, message: `Stopped after step ${e.step}: measuring the held-out images and saving…` };
    case 'resumed':
      return {
        ...ft,
        step: e.step,
        startStep: e.step,
        message: `Continued from step ${e.step}: weights and optimiser state (${e.optimizerUpdates} updates) restored.`,
      };
    case 'eval':
      return { ...ft, valBits: [...ft.valBits, { step: e.step, value: e.bitsPerDim }] };
    case 'samples':
      return { ...ft, samples: { step: e.step, images: e.images, count: e.count, config } };
    case 'saved':
      return { ...ft, savedKey: e.key, savedStep: e.step };
    case 'status':
      return { ...ft, message: e.message };
    case 'backend': // the app's trainerBackend, not this tab's state: a side effect of the caller
      return ft;
    default:
      return unreachable(e);
  }
}

function unreachable(e: never): never {
  throw new Error(`Unknown training event ${JSON.stringify(e)}`);
}
