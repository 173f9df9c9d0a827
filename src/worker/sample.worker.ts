/**
 * The sampling worker: check → load (with progress) → sample (streamed frames) → done, with interrupt.
 * A thin dispatcher: the work is in src/core; model I/O in ./models.
 */
import * as tf from '@tensorflow/tfjs';
import { categories, checkPair, classLabels, probabilities, type ModelCard, type PixelModel } from '../core/index';
import { warmUp } from '../gpu/calibrate';
import { label, unit } from '../gpu/names';
import { currentDevice } from '../gpu/backend';
import { activate, chooseFor, startDefault } from './backends';
import * as models from './models';
import { samplePair } from './pair';
import type { SampleDone, SampleFrame, SamplerApi } from './protocol';
import { serve, withTransfer } from './rpc';
import { FRAME_MS, sample } from './sampler';
import { receptiveFieldCall } from './receptiveField';

/**
 * The loaded model, the source it came from and the backend it lives on; for a Multi-Scale PixelRNN, `model`
 * is its conditional large half and `small` its unconditional small half.
 */
let current: { key: string; backend: string; model: PixelModel; card: ModelCard; small?: { model: PixelModel; card: ModelCard } } | null = null;

function dispose(c: typeof current): void {
  c?.model.dispose();
  c?.small?.model.dispose();
}

function requireModel(): PixelModel {
  if (!current) throw new Error('No model is loaded yet');
  return current.model;
}

const notify = serve<SamplerApi>({
  async init({ forced }) {
    return startDefault(forced);
  },

  /**
   * 1) read the model's files (progress); 2) its backend: forced, cached for this device and shape, or
   * calibrated now on a throw-away model of the same shape; 3) build it there; 4) warm up the cached
   * sampler (compiles a GPU backend's kernels now, not at the first sub-pixel).
   */
  async load({ source, small, batch, forced, known }, ctx) {
    const artifacts = await models.readArtifacts(source, (fraction) => ctx.emit({ fraction: small ? fraction / 2 : fraction, phase: 'download' }));
    const smallArtifacts = small ? await models.readArtifacts(small, (fraction) => ctx.emit({ fraction: 0.5 + fraction / 2, phase: 'download' })) : null;
    const config = await models.configOf(source, artifacts);
    ctx.emit({ fraction: 1, phase: 'calibrate', message: 'Choosing the fastest backend for sampling…' });
    const { choice, shapeKey, env } = await chooseFor('sampling', config, { forced, known }, batch, (m) =>
      ctx.emit({ fraction: 1, phase: 'calibrate', message: `${label(m.name)}: ${m.rate ? `${Math.round(m.rate)} ${unit('sampling')}` : m.note}` }),
    );
    await activate(choice, env, notify);
    const key = models.sourceKey(source) + (small ? ` + ${models.sourceKey(small)}` : '');
    if (current?.key !== key || current.backend !== choice.name) {
      const built = await models.build(source, artifacts);
      const builtSmall = small ? await models.build(small, smallArtifacts) : undefined;
      try {
        if (builtSmall) checkPair(builtSmall.model.config, built.model.config);
        else if (built.model.config.condition) throw new Error('This is the conditional half of a multi-scale pair: it needs its small model');
      } catch (e) {
        dispose({ key, backend: choice.name, ...built, small: builtSmall });
        throw e;
      }
      dispose(current);
      current = { key, backend: choice.name, ...built, small: builtSmall };
    }
    ctx.emit({ fraction: 1, phase: 'warm-up', message: `Compiling the sampler on ${label(choice.name)}…` });
    if (current.small) await warmUp(current.small.model, batch);
    await warmUp(current.model, batch);
    const pair = current.small ? { small: { config: current.small.model.config, card: current.small.card, params: current.small.model.params.count() } } : {};
    return { config: current.model.config, card: current.card, params: current.model.params.count(), backend: choice, shapeKey, ...pair };
  },

  async sample(args, ctx) {
    const model = requireModel();
    if (current?.small) {
      if (args.known) throw new Error('Inpainting is not supported for a Multi-Scale PixelRNN');
      const done = await samplePair(current.small.model, model, { count: args.count, seed: args.seed, temperature: args.temperature, signal: ctx.signal, emit: (f, t) => ctx.emit(f, t) });
      return withTransfer(done, [done.images.buffer, done.logProb.buffer, done.small!.buffer]);
    }
    let last = 0;
    const started = performance.now();
    let steps = 0;
    const result = await sample(
      model,
      {
        count: args.count,
        seed: args.seed,
        temperature: args.temperature,
        known: args.known,
        ...(model.config.classes ? { classes: args.drawClass ?? null } : {}),
        signal: ctx.signal,
        onStep: (p) => {
          steps = p.done;
          const now = performance.now();
          if (now - last < FRAME_MS && p.done < p.total) return;
          last = now;
          const frame: SampleFrame = { images: p.images.slice(), done: p.done, total: p.total, row: p.row, col: p.col, channel: p.channel };
          ctx.emit(frame, [frame.images.buffer]);
        },
      },
      FRAME_MS,
    );
    const done: SampleDone = { images: result.images, logProb: result.logProb, stopped: result.stopped, steps, ms: performance.now() - started, readbacks: result.readbacks };
    return withTransfer(done, [done.images.buffer, done.logProb.buffer]);
  },

  async inspect({ image, row, col, temperature, stage, small, drawClass }) {
    // a multi-scale pair: the small model for the small image, else the large one given the small image
    const model = stage === 'small' && current?.small ? current.small.model : requireModel();
    const { height: H, width: W, channels: C, condition } = model.config;
    if (condition && small?.length !== condition.smallHeight * condition.smallWidth * C) throw new Error('This model draws its pixels given a small image: pass the small image of the sample');
    const K = categories(model.config) === 2 ? 1 : 256;
    const slice = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, H, W, C], 'int32').toFloat();
      const s = condition ? tf.tensor4d(small!, [1, condition.smallHeight, condition.smallWidth, C], 'int32').toFloat() : undefined;
      const y = model.config.classes ? classLabels(model.config, 1, drawClass ?? null) : undefined; // the class it was drawn given
      const logits = model.logits(x, s, y); // [1,H,W,C,256] or [1,H,W,C]
      return K === 1 ? logits.slice([0, row, col, 0], [1, 1, 1, C]) : logits.slice([0, row, col, 0, 0], [1, 1, 1, C, K]);
    });
    const data = (await slice.data()) as Float32Array;
    slice.dispose();
    const probs = Array.from({ length: C }, (_, c) => probabilities(data, c * K, K, temperature > 0 ? temperature : 1));
    const values = Array.from({ length: C }, (_, c) => image[(row * W + col) * C + c]!);
    return { probs, values };
  },

  async receptiveField(args, ctx) {
    const done = await receptiveFieldCall(args, ctx);
    return withTransfer(done, done.outcomes.flatMap((o) => (o.ok ? [o.panel.magnitude.buffer] : [])));
  },

  listLocal: () => models.listLocal(),
  deleteLocal: ({ key }) => models.deleteLocal(key),

  async exportModel({ source, name }) {
    const out = await models.exportModel(source, name);
    return withTransfer(out, [out.weights]);
  },

  async importModel({ json, weights, key }) {
    const { model, card } = await models.importModel(json, weights, key);
    const info = { config: model.config, card, params: model.params.count() };
    model.dispose();
    // The model loaded from this key holds the replaced weights: the next load must read the new ones.
    if (current?.key === models.sourceKey({ kind: 'indexeddb', key })) {
      dispose(current);
      current = null;
    }
    return info;
  },

  async debug({ what }) {
    if (what === 'crash')
      // After this call's reply: the worker gives up and closes (a stray uncaught error would not crash it).
      setTimeout(() => notify({ type: 'fatal', message: 'Simulated crash of the sampling worker' }));
    else currentDevice()?.destroy();
  },
});
