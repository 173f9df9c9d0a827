/** models/index.json entries of Multi-Scale PixelRNN pairs (src/store/registry.ts): the small model beside the large. */
import { describe, expect, it } from 'vitest';
import { ARCHS, byDatasetArch, DATASET_SHAPES, DATASETS, parseIndex } from '../../src/store/registry';

const BASE = 'https://example.org/app/models/';

describe('a multi-scale pair in models/index.json', () => {
  it('is one entry: the large model as the source, the small one beside it', () => {
    const { models, warnings } = parseIndex(
      { models: [{ id: 'emoji64-ms', dataset: 'emoji64', arch: 'multiscale', path: 'ms-large/model.json', small: 'ms-small/model.json', title: 'Multi-Scale PixelRNN · Emoji-64' }] },
      BASE,
    );
    expect(warnings).toEqual([]);
    expect(models).toHaveLength(1);
    expect(models[0]!.source).toEqual({ kind: 'url', url: `${BASE}ms-large/model.json` });
    expect(models[0]!.small).toEqual({ kind: 'url', url: `${BASE}ms-small/model.json` });
    expect(byDatasetArch(models, 'emoji64', 'multiscale').map((m) => m.id)).toEqual(['emoji64-ms']);
  });

  it('skips, with a warning, a pair without its small model and a single model that names one', () => {
    const { models, warnings } = parseIndex(
      [
        { id: 'a', dataset: 'emoji64', arch: 'multiscale', path: 'a/model.json' },
        { id: 'b', dataset: 'emoji32', arch: 'pixelcnn', path: 'b/model.json', small: 'c/model.json' },
        { id: 'd', dataset: 'emoji32', arch: 'pixelcnn', path: 'd/model.json' },
      ],
      BASE,
    );
    expect(models.map((m) => m.id)).toEqual(['d']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/entry 0.*small/);
    expect(models[0]!.small).toBeUndefined();
  });

  it('offers Emoji-64 (64×64 RGB) and the Multi-Scale PixelRNN in the picker', () => {
    expect(DATASETS.map((d) => d.id)).toContain('emoji64');
    expect(DATASET_SHAPES.emoji64).toEqual({ height: 64, width: 64, channels: 3, output: 'softmax256' });
    expect(ARCHS.find((a) => a.id === 'multiscale')?.title).toBe('Multi-Scale PixelRNN');
  });
});

describe('untrained multi-scale pairs', () => {
  it('pair each small-emoji64-<arch>-cond preset with the 32×32 small-emoji-<arch> preset it is conditioned on', async () => {
    const { untrained } = await import('../../src/store/registry');
    const { checkPair } = await import('../../src/core/models/multiScale');
    const pairs = untrained().filter((m) => m.dataset === 'emoji64');
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    for (const p of pairs) {
      expect(p.arch).toBe('multiscale');
      const [small, large] = [p.small, p.source];
      if (small?.kind !== 'config' || large.kind !== 'config') throw new Error('an untrained pair is made from configs');
      expect(() => checkPair(small.config, large.config)).not.toThrow();
      expect(small.config.height).toBe(32);
      expect(large.config.height).toBe(64);
    }
  });
});
