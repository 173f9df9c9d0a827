/**
 * The sampling worker's receptive-field explorer (SamplerApi.receptiveField, ./fieldProtocol.ts): for each panel,
 * its model (read, built on the worker's active backend and kept for the next click), then the gradient of the
 * chosen sub-pixel's log-probability with respect to the picture (src/core/receptiveField.ts).
 *
 * The explorer's models are its own, apart from the model the page samples with: sampling and the explorer
 * never dispose each other's weights. They are kept per source and backend, as many as there are panels.
 */
import * as tf from '@tensorflow/tfjs';
import { receptiveField, type ModelCard, type PixelModel } from '../core/index';
import type { FieldArgs, FieldDone, FieldEvent, FieldOutcome } from './fieldProtocol';
import * as models from './models';
import type { ModelSource } from './protocol';
import type { CallContext } from './rpc';

interface Kept {
  model: PixelModel;
  card: ModelCard;
}

const kept = new Map<string, Promise<Kept>>();

function keyOf(source: ModelSource): string {
  return `${tf.getBackend()}|${models.sourceKey(source)}`;
}

/** The model of `source` on the active backend: built once, then kept (models of other sources and backends are dropped). */
async function explorerModel(source: ModelSource, wanted: Set<string>, onProgress: (fraction: number) => void): Promise<Kept> {
  const key = keyOf(source);
  let p = kept.get(key);
  if (!p) {
    p = (async () => {
      const artifacts = await models.readArtifacts(source, onProgress);
      return models.build(source, artifacts);
    })();
    kept.set(key, p);
    p.catch(() => kept.delete(key));
  }
  // What no panel of this call uses is disposed (its weights on the GPU, or in wasm memory, are freed).
  for (const [k, other] of kept)
    if (!wanted.has(k)) {
      kept.delete(k);
      other.then((m) => m.model.dispose()).catch(() => undefined);
    }
  return p;
}

/** Each panel in turn: its model, then its field; progress and each panel's outcome as events. */
export async function receptiveFieldCall(args: FieldArgs, ctx: CallContext<FieldEvent>): Promise<FieldDone> {
  const { image, height: H, width: W, channels: C, row, col, channel } = args;
  if (image.length !== H * W * C) throw new Error(`The picture has ${image.length} sub-pixels, not ${H}×${W}×${C}`);
  const wanted = new Set(args.panels.map(keyOf));
  const outcomes: FieldOutcome[] = [];
  for (const [i, source] of args.panels.entries()) {
    if (ctx.signal.aborted) return { outcomes, stopped: true };
    let outcome: FieldOutcome;
    try {
      ctx.emit({ panel: i, phase: 'load', fraction: 0 });
      const { model, card } = await explorerModel(source, wanted, (fraction) => ctx.emit({ panel: i, phase: 'load', fraction }));
      const c = model.config;
      if (c.height !== H || c.width !== W || c.channels !== C)
        throw new Error(`This model draws ${c.width}×${c.height}${c.channels === 3 ? ' RGB' : ''} images; the picture is ${W}×${H}${C === 3 ? ' RGB' : ''}`);
      if (c.condition) throw new Error('This is the conditional half of a multi-scale pair: the explorer shows single-scale models');
      ctx.emit({ panel: i, phase: 'gradient' });
      const tensorsBefore = tf.memory().numTensors;
      const started = performance.now();
      const field = await receptiveField(model, image, { row, col, channel });
      const ms = performance.now() - started;
      const tensorsAfter = tf.memory().numTensors;
      outcome = { ok: true, panel: { config: c, card, magnitude: field.magnitude, logProb: field.logProb, ms, backend: tf.getBackend(), tensorsBefore, tensorsAfter } };
    } catch (e) {
      outcome = { ok: false, message: (e as Error).message };
    }
    outcomes.push(outcome);
    ctx.emit({ panel: i, phase: 'done', outcome });
    // Let a cancel message in before the next panel (the gradient itself runs to its end).
    await new Promise((r) => setTimeout(r, 0));
  }
  return { outcomes, stopped: false };
}
