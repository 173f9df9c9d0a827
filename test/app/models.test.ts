/**
 * Nothing is overwritten silently (issue 14, item 2): fine-tunes get free names, a name that is taken is
 * replaced only when the person confirms, and an imported model is placed by its own config and card (its
 * dataset and architecture), never by a guess from its channel count; the page says what was imported.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelCard } from '../../src/core/io/card';
import type { ModelConfig } from '../../src/core/models/config';

/** This browser's IndexedDB as the sampling worker sees it: key → model.json text. */
const saved = new Map<string, string>();
const calls: Array<{ method: string; args: Record<string, unknown> }> = [];
vi.mock('../../src/store/workers', () => ({
  samplerClient: () => ({
    call: async (method: string, args: Record<string, unknown>) => {
      calls.push({ method, args });
      if (method === 'listLocal') return [...saved.keys()].map((key) => ({ key, dateSaved: '', bytes: 1 }));
      if (method === 'importModel') {
        saved.set(args.key as string, args.json as string);
        const json = JSON.parse(args.json as string) as { modelTopology: { config: ModelConfig } };
        return { config: json.modelTopology.config, card: {}, params: 1234 };
      }
      if (method === 'load') {
        const src = args.source as { kind: string; key?: string; config?: ModelConfig };
        const config = src.kind === 'indexeddb' ? (JSON.parse(saved.get(src.key!)!) as { modelTopology: { config: ModelConfig } }).modelTopology.config : src.config!;
        return { config, card: {}, params: 1234, backend: { name: 'cpu', reason: 'test', how: 'forced', measurements: [] }, shapeKey: 'k' };
      }
      return undefined;
    },
  }),
  trainerClient: () => ({ call: async () => undefined }),
  dropWorker: () => {},
}));

const { importFiles } = await import('../../src/store/actions/models');
const { answer } = await import('../../src/store/actions/confirm');
const { confirmSaveName, suggestFinetuneName } = await import('../../src/store/actions/naming');
const { loadRegistry } = await import('../../src/store/actions/app');
const { setFinetune } = await import('../../src/store/actions/finetune');
const { getState, setState } = await import('../../src/store/store');
const { initialState } = await import('../../src/store/state');
const { importTarget, localKey, uniqueName } = await import('../../src/store/registry');

const tiny = { layers: 1, hidden: 4, headWidth: 8, firstKernel: 3, residual: true, skip: true, seed: 1 } as const;
const mnistRow: ModelConfig = { ...tiny, arch: 'rowlstm', height: 28, width: 28, channels: 1, output: 'binary' };
const emojiCnn: ModelConfig = { ...tiny, arch: 'pixelcnn', height: 32, width: 32, channels: 3, output: 'softmax256' };

function modelJson(config: ModelConfig, card: ModelCard = {}): string {
  return JSON.stringify({ format: 'pixelrnn-lab/model@1', modelTopology: { format: 'pixelrnn-lab/model@1', config }, weightsManifest: [{ paths: ['./w.bin'], weights: [] }], userDefinedMetadata: { card } });
}
const files = (name: string, json: string) => [new File([json], `${name}.json`), new File([new Uint8Array(4)], `${name}.weights.bin`)];
const imports = () => calls.filter((c) => c.method === 'importModel').map((c) => c.args.key);

/** The untrained Emoji-32 PixelCNN preset (always in the registry) is the selected model. */
function selectEmojiPixelCnn(): void {
  const entry = getState().registry.models.find((m) => m.kind === 'untrained' && m.dataset === 'emoji32' && m.arch === 'pixelcnn')!;
  setState({ modelId: entry.id });
}

/** Waits until the page asks (the import has reached its question). */
async function question(): Promise<string> {
  await vi.waitFor(() => expect(getState().confirm).not.toBeNull());
  return getState().confirm!.message;
}

beforeEach(async () => {
  saved.clear();
  calls.length = 0;
  setState({ ...initialState, tab: 'finetune', backend: { ...initialState.backend, status: 'ready' } });
  await loadRegistry();
});

describe('import reads where a model belongs from its own file', () => {
  it('dataset from the card, architecture from the config; the page says it worked and opens it', async () => {
    // A 1-channel binary file that names MNIST and is a Row LSTM: not "pixelcnn" by default.
    await importFiles(files('digits', modelJson(mnistRow, { dataset: { name: 'mnist' } })));
    expect(imports()).toEqual([localKey('mnist', 'rowlstm', 'digits')]);
    expect(getState().notice).toBe('Imported "digits" (MNIST, Row LSTM, 1.2k parameters) into this browser; it is the selected model now.');
    expect(getState().modelId).toBe(`local:${localKey('mnist', 'rowlstm', 'digits')}`);
  });

  it('a file without a dataset on its card is placed by its exact image shape, or refused with the reason', () => {
    expect(importTarget(modelJson(emojiCnn)).dataset).toBe('emoji32');
    // 8×8 grey with 256 levels: not MNIST's binary 28×28 just because it has one channel.
    const grey = { ...mnistRow, height: 8, width: 8, output: 'softmax256' as const };
    expect(() => importTarget(modelJson(grey))).toThrow('its card names no dataset and its images (8×8×1 softmax256) are those of no dataset of this app');
    expect(() => importTarget(modelJson(emojiCnn, { dataset: { name: 'mnist' } }))).toThrow('its card names mnist, whose images are 28×28×1 binary, but its config is 32×32×3 softmax256');
    expect(() => importTarget(modelJson({ ...emojiCnn, arch: 'lstm9' as never }))).toThrow('unknown arch "lstm9"');
    expect(() => importTarget('{"modelTopology": {}}')).toThrow('not a PixelRNN Lab model');
    // Every architecture of config.ts is one the picker lists, the Gated PixelCNN included, so it is placed under it.
    expect(importTarget(modelJson({ ...emojiCnn, arch: 'gated' }, { dataset: { name: 'emoji32' } }))).toMatchObject({ dataset: 'emoji32', config: { arch: 'gated' } });
  });

  it('a refused file is named in the notice and nothing is stored', async () => {
    await importFiles(files('broken', '{ not json'));
    expect(imports()).toEqual([]);
    expect(getState().notice).toBe('broken.json was not imported: the model file is not valid JSON (pick the model.json you exported)');
    await importFiles(files('bad-card', modelJson(emojiCnn, { testNll: 'low' } as unknown as ModelCard)));
    expect(imports()).toEqual([]);
    expect(getState().notice).toContain('"testNll" must be a finite number');
  });
});

describe('a saved model is replaced only when the person says so', () => {
  const json = modelJson(emojiCnn, { dataset: { name: 'emoji32' } });
  const key = (name: string) => localKey('emoji32', 'pixelcnn', name);

  it('importing a name that is saved asks; Cancel stores nothing', async () => {
    await importFiles(files('cats', json));
    const second = importFiles(files('cats', json));
    expect(await question()).toContain('"cats" is already saved in this browser');
    answer('cancel');
    await second;
    expect(imports()).toEqual([key('cats')]);
    expect(getState().notice).toBe('Nothing was imported: "cats" is unchanged.');
  });

  it('Replace overwrites it, and says so; Keep both imports under a free name', async () => {
    await importFiles(files('cats', json));
    const replace = importFiles(files('cats', json));
    await question();
    answer('replace');
    await replace;
    expect(imports()).toEqual([key('cats'), key('cats')]);
    expect(getState().notice).toContain('replacing the one saved before');
    const keep = importFiles(files('cats', json));
    await question();
    answer('keep');
    await keep;
    expect(imports().at(-1)).toBe(key('cats-2'));
    expect(getState().registry.models.filter((m) => m.kind === 'local').map((m) => m.title).sort()).toEqual(['cats', 'cats-2']);
  });

  it('fine-tunes are offered free names: the next one never overwrites the last', async () => {
    selectEmojiPixelCnn();
    suggestFinetuneName();
    expect(getState().finetune.name).toBe('my-pixelcnn');
    saved.set(key('my-pixelcnn'), json); // the first fine-tune saved
    await loadRegistry();
    expect(getState().finetune.name).toBe('my-pixelcnn-2');
    expect(uniqueName('my-pixelcnn-2', new Set(['my-pixelcnn', 'my-pixelcnn-2']))).toBe('my-pixelcnn-3');
  });

  it('a typed fine-tune name that is taken asks before training; Cancel does not start, "Save as" picks the free name', async () => {
    selectEmojiPixelCnn();
    saved.set(key('mine'), json);
    await loadRegistry();
    setFinetune({ name: 'mine' });
    await loadRegistry();
    expect(getState().finetune.name).toBe('mine'); // typed: kept, not replaced by a suggestion
    const cancel = confirmSaveName();
    expect(await question()).toContain('"mine" is already saved');
    answer('cancel');
    expect(await cancel).toBe(false);
    expect(getState().finetune.message).toContain('Not started');
    const rename = confirmSaveName();
    await question();
    answer('rename');
    expect(await rename).toBe(true);
    expect(getState().finetune.name).toBe('mine-2');
    setFinetune({ name: 'mine' });
    const replace = confirmSaveName();
    await question();
    answer('replace');
    expect(await replace).toBe(true);
  });
});
