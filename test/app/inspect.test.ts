/**
 * A sample keeps the model it came from (issue 14, item 1): switching models takes the old samples off the
 * page, and a pixel of samples drawn by another model is never sent to the loaded one (its distributions
 * would be labelled as theirs; across datasets the shapes do not even fit).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelConfig } from '../../src/core/models/config';
import type { ModelEntry } from '../../src/store/registry';

const calls: Array<{ method: string; args: unknown }> = [];
let answer: (method: string, args: unknown) => unknown = () => undefined;
vi.mock('../../src/store/workers', () => ({
  samplerClient: () => ({
    call: async (method: string, args: unknown) => {
      calls.push({ method, args });
      return answer(method, args);
    },
  }),
  trainerClient: () => ({ call: async () => undefined }),
  dropWorker: () => {},
}));

const { selectModel } = await import('../../src/store/actions/app');
const { inspectPixel } = await import('../../src/store/actions/sample');
const { getState, setState } = await import('../../src/store/store');
const { emptyRun, initialState } = await import('../../src/store/state');

const tiny = { layers: 1, hidden: 4, headWidth: 8, firstKernel: 3, residual: true, skip: true, seed: 1, height: 8, width: 8 } as const;
const emoji: ModelConfig = { ...tiny, arch: 'pixelcnn', channels: 3, output: 'softmax256' };
const rowlstm: ModelConfig = { ...tiny, arch: 'rowlstm', channels: 3, output: 'softmax256' };
const mnist: ModelConfig = { ...tiny, arch: 'pixelcnn', channels: 1, output: 'binary' };
const entry = (id: string, dataset: string, config: ModelConfig): ModelEntry => ({ id, dataset, arch: config.arch, title: id, kind: 'shipped', source: { kind: 'config', config } });
const models = [entry('emoji-pixelcnn', 'emoji32', emoji), entry('emoji-rowlstm', 'emoji32', rowlstm), entry('mnist-pixelcnn', 'mnist', mnist)];
const configOf = (source: unknown) => (source as { config: ModelConfig }).config;
const choice = { name: 'cpu', reason: 'test', how: 'forced', measurements: [] };

/** The page after sampling 2 images with `id`, on the Inpaint tab (so a new model does not sample by itself). */
function sampledWith(id: string, config: ModelConfig) {
  const per = config.height * config.width * config.channels;
  const images = Uint8Array.from({ length: 2 * per }, (_, i) => i % 256);
  setState({
    ...initialState,
    tab: 'inpaint',
    backend: { ...initialState.backend, status: 'ready' },
    registry: { status: 'ready', models, warnings: [] },
    modelId: id,
    model: { status: 'ready', id, progress: 1, note: null, config, card: {}, params: 1, error: null },
    sample: { ...emptyRun(), status: 'done', images, count: 2, config, modelId: id },
  });
  return images;
}

beforeEach(() => {
  calls.length = 0;
  answer = (method, args) => {
    if (method === 'load') return { config: configOf((args as { source: unknown }).source), card: {}, params: 1, backend: choice, shapeKey: 'k' };
    if (method === 'inspect') return { probs: [new Float64Array(256).fill(1 / 256)], values: [7] };
    return undefined;
  };
});

describe('a sample keeps the model it came from', () => {
  it('inspects a pixel with the model that drew it: the pixel of that image, in its shape', async () => {
    const images = sampledWith('emoji-pixelcnn', emoji);
    await inspectPixel(1, 2, 5);
    const sent = calls.find((c) => c.method === 'inspect')!.args as { image: Uint8Array; row: number; col: number };
    expect(Array.from(sent.image)).toEqual(Array.from(images.subarray(192, 384)));
    expect([sent.row, sent.col]).toEqual([2, 5]);
    expect(getState().inspect).toMatchObject({ index: 1, status: 'ready' });
  });

  it('switching model (same dataset) takes the old samples off the page; nothing of theirs reaches the new model', async () => {
    sampledWith('emoji-pixelcnn', emoji);
    await selectModel('emoji-rowlstm');
    expect(getState().model).toMatchObject({ status: 'ready', id: 'emoji-rowlstm' });
    expect(getState().sample.images).toBeNull();
    expect(getState().sample.modelId).toBeNull();
    await inspectPixel(0, 2, 5);
    expect(calls.filter((c) => c.method === 'inspect')).toHaveLength(0);
    expect(getState().inspect).toBeNull();
  });

  it('switching dataset: no shape error, the MNIST model never gets an RGB image', async () => {
    sampledWith('emoji-pixelcnn', emoji);
    await selectModel('mnist-pixelcnn');
    await inspectPixel(0, 0, 0);
    expect(calls.filter((c) => c.method === 'inspect')).toHaveLength(0);
  });

  it('samples of another model than the loaded one are refused with a message, not sent', async () => {
    sampledWith('emoji-pixelcnn', emoji);
    setState((s) => ({ modelId: 'emoji-rowlstm', model: { ...s.model, id: 'emoji-rowlstm', config: rowlstm } }));
    await inspectPixel(0, 1, 1);
    expect(calls.filter((c) => c.method === 'inspect')).toHaveLength(0);
    expect(getState().inspect).toMatchObject({ status: 'error', error: expect.stringContaining('drawn by another model') });
  });

  it('an answer that arrives after the model changed is dropped', async () => {
    sampledWith('emoji-pixelcnn', emoji);
    let release!: () => void;
    answer = (method, args) => {
      if (method === 'inspect') return new Promise((r) => (release = () => r({ probs: [new Float64Array(256)], values: [0] })));
      return { config: configOf((args as { source: unknown }).source), card: {}, params: 1, backend: choice, shapeKey: 'k' };
    };
    const pending = inspectPixel(0, 1, 1);
    await selectModel('emoji-rowlstm');
    release();
    await pending;
    expect(getState().inspect).toBeNull();
  });
});

describe('the same model reloaded', () => {
  it('keeps its samples (a worker restart reloads it), and they can still be inspected', async () => {
    const images = sampledWith('emoji-pixelcnn', emoji);
    await selectModel('emoji-pixelcnn');
    expect(getState().sample.images).toBe(images);
    await inspectPixel(0, 1, 1);
    expect(calls.filter((c) => c.method === 'inspect')).toHaveLength(1);
  });
});
