import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadModel, toArtifacts } from '../../src/core/io/artifacts';
import { LIMITS, parameterCount, validateConfig, type ModelConfig } from '../../src/core/models/config';
import { PixelModel } from '../../src/core/models/pixelModel';
import { presets } from '../../src/core/models/presets';
import { archs, tinyConfig } from './helpers';

describe('parameterCount', () => {
  const configs: [string, ModelConfig][] = [
    ...archs.flatMap((a) => ([1, 3] as const).map((c) => [`${a} ${c}ch`, tinyConfig(a, c)] as [string, ModelConfig])),
    ...archs.map((a) => [`${a} conditional`, tinyConfig(a, 3, { height: 8, width: 8, condition: { smallHeight: 2, smallWidth: 2, mapChannels: 5 } })] as [string, ModelConfig]),
    ['no skip', tinyConfig('rowlstm', 3, { skip: false })],
    ['small-emoji-diagonal', presets['small-emoji-diagonal']],
  ];
  for (const [name, config] of configs)
    it(`equals the built model's count: ${name}`, () => {
      const model = new PixelModel(config);
      expect(parameterCount(config)).toBe(model.params.count());
      model.dispose();
    });
});

describe('sane limits', () => {
  it('accepts every preset, the paper-sized ones included', () => {
    for (const c of Object.values(presets)) expect(() => validateConfig(c)).not.toThrow();
  });

  it('refuses absurd sizes with a message naming the field and the limit', () => {
    const base = tinyConfig('pixelcnn', 3);
    expect(() => validateConfig({ ...base, layers: 10_000 })).toThrow(/layers = 10000 is beyond this app's limit of 64/);
    expect(() => validateConfig({ ...base, height: 100_000 })).toThrow(/height = 100000 is beyond/);
    expect(() => validateConfig({ ...base, hidden: 1000, headWidth: 4000, layers: 60 })).toThrow(/parameters is beyond this app's limit/);
    expect(LIMITS.parameters).toBeGreaterThan(parameterCount(presets['paper-cifar-diagonal']));
  });

  it('refuses an absurd imported model.json before allocating anything', async () => {
    const model = new PixelModel(tinyConfig('rowlstm', 1));
    const art = await toArtifacts(model);
    model.dispose();
    const before = tf.memory();
    const huge = { ...art, modelTopology: { ...(art.modelTopology as object), config: tinyConfig('rowlstm', 1, { hidden: 1024, layers: 64, height: 256, width: 256 }) } };
    await expect(loadModel({ load: async () => huge }, 'model.json')).rejects.toThrow(/model.json: Invalid model config: .*beyond this app's limit/);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
