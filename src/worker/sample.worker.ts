/**
 * The sampling worker: check → load (with progress) → sample (streamed frames) → done, with interrupt.
 * A thin dispatcher: the work is in src/core; model I/O in ./models.
 */
import * as tf from '@tensorflow/tfjs';
import { categories, probabilities, type ModelCard, type PixelModel } from '../core/index';
import { chooseBackend, currentDevice, preferSmallMatmulOnSoftware, watchDevice } from '../gpu/backend';
import * as models from './models';
import type { ModelSource, SampleFrame, SamplerApi } from './protocol';
import { serve, withTransfer } from './rpc';
import { sample } from './sampler';

/** Frames go out at most this often; the page draws at most once per animation frame anyway. */
const FRAME_MS = 40;

let current: { key: string; model: PixelModel; card: ModelCard } | null = null;

function requireModel(): PixelModel {
  if (!current) throw new Error('No model is loaded yet');
  return current.model;
}

async function use(source: ModelSource, onProgress?: (f: number) => void): Promise<{ model: PixelModel; card: ModelCard }> {
  const key = models.sourceKey(source);
  if (current?.key === key) return current;
  const loaded = await models.openModel(source, onProgress);
  current?.model.dispose();
  current = { key, ...loaded };
  return loaded;
}

const notify = serve<SamplerApi>({
  async init({ backend }) {
    const info = await chooseBackend(backend);
    preferSmallMatmulOnSoftware(info); // SwiftShader: the cached sampler's small products ~30× faster
    watchDevice(
      (message) => notify({ type: 'deviceLost', message }),
      (message) => notify({ type: 'gpuError', message }),
    );
    return info;
  },

  async load({ source }, ctx) {
    const { model, card } = await use(source, (fraction) => ctx.emit({ fraction }));
    // Warm-up: compiles the shaders once so the first sample starts at full speed.
    const { height: H, width: W, channels: C } = model.config;
    const y = tf.tidy(() => model.logits(tf.zeros([1, H, W, C]) as tf.Tensor4D));
    await y.data();
    y.dispose();
    return { config: model.config, card, params: model.params.count() };
  },

  async sample(args, ctx) {
    const model = requireModel();
    let last = 0;
    const started = performance.now();
    let steps = 0;
    const result = await sample(model, {
      count: args.count,
      seed: args.seed,
      temperature: args.temperature,
      known: args.known,
      signal: ctx.signal,
      onStep: (p) => {
        steps = p.done;
        const now = performance.now();
        if (now - last < FRAME_MS && p.done < p.total) return;
        last = now;
        const frame: SampleFrame = { images: p.images.slice(), done: p.done, total: p.total, row: p.row, col: p.col, channel: p.channel };
        ctx.emit(frame, [frame.images.buffer]);
      },
    });
    const done = { images: result.images, logProb: result.logProb, stopped: result.stopped, steps, ms: performance.now() - started };
    return withTransfer(done, [done.images.buffer, done.logProb.buffer]);
  },

  async inspect({ image, row, col, temperature }) {
    const model = requireModel();
    const { height: H, width: W, channels: C } = model.config;
    const K = categories(model.config) === 2 ? 1 : 256;
    const slice = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, H, W, C], 'int32').toFloat();
      const logits = model.logits(x); // [1,H,W,C,256] or [1,H,W,C]
      return K === 1 ? logits.slice([0, row, col, 0], [1, 1, 1, C]) : logits.slice([0, row, col, 0, 0], [1, 1, 1, C, K]);
    });
    const data = (await slice.data()) as Float32Array;
    slice.dispose();
    const probs = Array.from({ length: C }, (_, c) => probabilities(data, c * K, K, temperature > 0 ? temperature : 1));
    const values = Array.from({ length: C }, (_, c) => image[(row * W + col) * C + c]!);
    return { probs, values };
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
    return info;
  },

  async debug({ what }) {
    if (what === 'crash')
      setTimeout(() => {
        throw new Error('Simulated crash of the sampling worker');
      });
    else currentDevice()?.destroy();
  },
});
