import { describe, expect, it } from 'vitest';
import { byDatasetArch, fromLocal, localKey, parseIndex, untrained } from '../../src/store/registry';
import { parseUrl } from '../../src/store/url';

describe('model registry', () => {
  it('parses models/index.json and resolves paths against the models folder', () => {
    const { models, warnings } = parseIndex(
      { format: 'pixelrnn-lab-models/1', models: [{ id: 'a', dataset: 'mnist', arch: 'pixelcnn', path: 'a/model.json', title: 'A' }, { id: 'bad' }] },
      'http://x/app/models/',
    );
    expect(models).toEqual([{ id: 'a', dataset: 'mnist', arch: 'pixelcnn', title: 'A', kind: 'shipped', source: { kind: 'url', url: 'http://x/app/models/a/model.json' } }]);
    expect(warnings).toHaveLength(1);
    expect(() => parseIndex({}, 'http://x/')).toThrow(/models/);
  });
  it('lists fine-tuned models from their IndexedDB keys and ignores foreign keys', () => {
    const key = localKey('emoji32', 'rowlstm', 'mine');
    const out = fromLocal([{ key, dateSaved: '', bytes: 1 }, { key: 'other-app-model', dateSaved: '', bytes: 1 }]);
    expect(out).toEqual([{ id: `local:${key}`, dataset: 'emoji32', arch: 'rowlstm', title: 'mine', kind: 'local', source: { kind: 'indexeddb', key } }]);
  });
  it('orders shipped, then local, then untrained', () => {
    const all = [...untrained(), ...fromLocal([{ key: localKey('mnist', 'pixelcnn', 'x'), dateSaved: '', bytes: 0 }]), ...parseIndex([{ id: 's', dataset: 'mnist', arch: 'pixelcnn', path: 's.json' }], 'http://x/').models];
    expect(byDatasetArch(all, 'mnist', 'pixelcnn').map((m) => m.kind)).toEqual(['shipped', 'local', 'untrained']);
  });
});

describe('URL parameters', () => {
  it('reads the known state and ignores junk', () => {
    expect(parseUrl('?model=m&seed=3&count=2&backend=webgl&tab=inpaint&autostart=0')).toEqual({ model: 'm', seed: 3, count: 2, temperature: null, backend: 'webgl', backendProblem: null, recalibrate: false, tab: 'inpaint', autostart: false });
    expect(parseUrl('?seed=abc&backend=tpu&tab=x')).toMatchObject({ seed: null, backend: null, tab: null, autostart: true });
  });
});
