/**
 * The backend decision (src/gpu/choice.ts) with faked probes and calibration results, the calibration
 * cache (src/store/calibrationCache.ts), `?backend=` parsing, and the best model per dataset.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { deviceKey, figure, pick, plan, shapeKey } from '../../src/gpu/choice';
import { BACKENDS, type BackendChoice, type BackendName, type Measurement, type Probe } from '../../src/gpu/names';
import { forgetCalibrations, knownChoices, remember } from '../../src/store/calibrationCache';
import { bestModel, openingModel, parseIndex, testScore, type ModelEntry } from '../../src/store/registry';
import { parseUrl } from '../../src/store/url';

/** This machine: WebGPU and WebGL on SwiftShader, wasm with threads, cpu. */
const cpuOnly: Probe[] = [
  { name: 'webgpu', available: true, software: true, detail: 'google swiftshader' },
  { name: 'wasm', available: true, software: false, detail: 'SIMD, threads available' },
  { name: 'webgl', available: true, software: true, detail: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))' },
  { name: 'cpu', available: true, software: false, detail: 'plain JavaScript' },
];
/** A machine with a real GPU and no WebGL in workers. */
const withGpu: Probe[] = [
  { name: 'webgpu', available: true, software: false, detail: 'nvidia hopper' },
  { name: 'wasm', available: true, software: false, detail: 'SIMD, no threads (the page is not cross-origin isolated)' },
  { name: 'webgl', available: false, software: false, detail: 'no OffscreenCanvas in this worker' },
  { name: 'cpu', available: true, software: false, detail: 'plain JavaScript' },
];
const rate = (name: BackendName, r: number | null): Measurement => ({ name, rate: r, note: 'faked' });

describe('which backends a calibration measures', () => {
  it('measures the real backends and skips software GPUs, saying why', () => {
    const p = plan(cpuOnly, null);
    expect(p.measure).toEqual(['wasm', 'cpu']);
    expect(p.skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
    expect(p.skipped[0]!.note).toContain('software GPU (google swiftshader)');
    expect(plan(withGpu, null).measure).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(plan(withGpu, null).skipped).toEqual([{ name: 'webgl', rate: null, note: 'unavailable: no OffscreenCanvas in this worker' }]);
  });

  it('measures software GPUs when nothing else can run', () => {
    const onlySoftware: Probe[] = cpuOnly.map((p) => (p.name === 'webgpu' ? p : { ...p, available: false, detail: 'off' }));
    expect(plan(onlySoftware, null).measure).toEqual(['webgpu']);
  });
});

describe('backend choice', () => {
  it('each of the four can be forced when the browser has it: nothing is measured', () => {
    for (const name of BACKENDS) {
      const p = plan(cpuOnly, name);
      expect(p.measure).toEqual([]);
      const c = pick('sampling', p, []);
      expect(c).toMatchObject({ name, how: 'forced' });
      expect(c.reason).toContain(`?backend=${name}`);
      expect(c.problem).toBeUndefined();
    }
  });

  it('a forced backend the browser lacks is named, and the fastest measured one runs instead', () => {
    const p = plan(withGpu, 'webgl');
    expect(p.forced).toBeNull();
    expect(p.measure).toEqual(['webgpu', 'wasm', 'cpu']);
    const c = pick('sampling', p, [rate('webgpu', 5000), rate('wasm', 1500), rate('cpu', 900)]);
    expect(c.name).toBe('webgpu');
    expect(c.problem).toBe('?backend=webgl cannot run here (no OffscreenCanvas in this worker), so the backend was chosen by measurement.');
  });

  it('the fastest measured backend wins, per job, with the figures in the reason', () => {
    const p = plan(withGpu, null);
    const sampling = pick('sampling', p, [rate('webgpu', 420), rate('wasm', 1550.4), rate('cpu', 1234)]);
    expect(sampling).toMatchObject({ job: 'sampling', name: 'wasm', how: 'measured' });
    expect(sampling.reason).toBe('WebAssembly was the fastest for sampling here: 1,550 sub-pixels/s (WebGPU 420 sub-pixels/s, CPU (JavaScript) 1,234 sub-pixels/s).');
    const training = pick('training', p, [rate('webgpu', 40), rate('wasm', 9.5), rate('cpu', 0.8)]);
    expect(training).toMatchObject({ job: 'training', name: 'webgpu' });
    expect(training.reason).toContain('40.0 images/s');
    // Every backend is listed with the badge's figures, the unmeasured ones with why.
    expect(training.measurements.map((m) => m.name)).toEqual(['webgpu', 'wasm', 'cpu', 'webgl']);
  });

  it('failed measurements never win; with none at all, the first available runs, and says so', () => {
    const p = plan(cpuOnly, null);
    expect(pick('sampling', p, [rate('wasm', null), rate('cpu', 12)]).name).toBe('cpu');
    expect(pick('sampling', p, [rate('wasm', Number.NaN), rate('cpu', 0)])).toMatchObject({ name: 'wasm', how: 'default' });
  });

  it('formats figures with thousands separators and sensible digits', () => {
    expect(figure(12345.6, 'sampling')).toBe('12,346 sub-pixels/s');
    expect(figure(3.456, 'training')).toBe('3.46 images/s');
  });
});

describe('calibration cache keys', () => {
  it('a model shape ignores the seed and the key order; another shape differs', () => {
    expect(shapeKey({ arch: 'pixelcnn', height: 32, seed: 1 })).toBe(shapeKey({ height: 32, seed: 9, arch: 'pixelcnn' }));
    expect(shapeKey({ arch: 'pixelcnn', height: 32 })).not.toBe(shapeKey({ arch: 'pixelcnn', height: 28 }));
  });
  it('the device key changes with the adapter, the cores or isolation', () => {
    const base = { cores: 2, agent: 'x', isolated: true };
    const k = deviceKey(cpuOnly, base);
    expect(deviceKey(cpuOnly, base)).toBe(k);
    expect(deviceKey(withGpu, base)).not.toBe(k);
    expect(deviceKey(cpuOnly, { ...base, cores: 8 })).not.toBe(k);
    expect(deviceKey(cpuOnly, { ...base, isolated: false })).not.toBe(k);
  });
});

describe('calibration cache (localStorage)', () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
  });
  const measured: BackendChoice = { job: 'sampling', name: 'wasm', how: 'measured', reason: 'r', measurements: [rate('wasm', 10)] };

  it('keeps measured choices per device, job and shape; forced or cached ones are not stored', () => {
    remember('dev1', 'sampling', 'shapeA', measured);
    remember('dev1', 'sampling', 'shapeB', { ...measured, how: 'forced' });
    remember('dev1', 'training', 'shapeA', { ...measured, job: 'training', name: 'cpu' });
    expect(Object.keys(knownChoices('dev1', 'sampling'))).toEqual(['shapeA']);
    expect(knownChoices('dev1', 'training').shapeA!.name).toBe('cpu');
    expect(knownChoices('dev2', 'sampling')).toEqual({});
  });

  it('a new device replaces the old entries; forgetting clears them; junk in storage reads as empty', () => {
    remember('dev1', 'sampling', 'shapeA', measured);
    remember('dev2', 'sampling', 'shapeA', measured);
    expect(knownChoices('dev1', 'sampling')).toEqual({});
    forgetCalibrations();
    expect(knownChoices('dev2', 'sampling')).toEqual({});
    store.set('pixelrnn-lab/calibration@1', '{not json');
    expect(knownChoices('dev2', 'sampling')).toEqual({});
  });
});

describe('?backend=', () => {
  it('accepts the four backends; an unknown value gets a message naming it and the choices', () => {
    for (const b of BACKENDS) expect(parseUrl(`?backend=${b}`)).toMatchObject({ backend: b, backendProblem: null });
    const bad = parseUrl('?backend=tpu');
    expect(bad.backend).toBeNull();
    expect(bad.backendProblem).toBe('Unknown backend "tpu" in ?backend=: use webgpu, wasm, webgl, cpu. The backend was chosen by measurement instead.');
    expect(parseUrl('?recalibrate=1').recalibrate).toBe(true);
  });
});

describe('the best model of each dataset', () => {
  const entries = (): ModelEntry[] => {
    const { models } = parseIndex(
      ['emoji32-diagonal', 'emoji32-pixelcnn', 'emoji32-rowlstm', 'mnist-pixelcnn', 'mnist-rowlstm'].map((id) => ({
        id,
        dataset: id.split('-')[0],
        arch: id.split('-')[1],
        path: `${id}/model.json`,
      })),
      'http://x/models/',
    );
    const cards: Record<string, unknown> = {
      'emoji32-diagonal': { testBitsPerDim: 4.01, testNll: 8548 },
      'emoji32-pixelcnn': { testBitsPerDim: 2.69, testNll: 5728 },
      'emoji32-rowlstm': { testBitsPerDim: 2.86, testNll: 6091 },
      'mnist-pixelcnn': { testNll: 92.85 },
      'mnist-rowlstm': { testNll: 90.28 },
    };
    return models.map((m) => ({ ...m, test: testScore(cards[m.id]) ?? undefined }));
  };

  it('is the lowest test bits/dim (or NLL) on the cards, not the first listed', () => {
    expect(bestModel(entries(), 'emoji32')!.id).toBe('emoji32-pixelcnn');
    expect(bestModel(entries(), 'mnist')!.id).toBe('mnist-rowlstm');
  });

  it('ranks a class-conditional model by its figure given none, not given the class', () => {
    const withClass = [
      ...entries(),
      {
        id: 'mnist-gated-class',
        dataset: 'mnist',
        arch: 'gated' as const,
        title: 'Gated PixelCNN (class-conditional)',
        kind: 'shipped' as const,
        source: { kind: 'url' as const, url: 'http://x/models/mnist-gated-class/model.json' },
        // given the class it beats the Row LSTM's 90.28; given none it does not
        test: testScore({ testNll: 88.0, test: { natsPerImage: 88.0, unconditional: { natsPerImage: 91.0 } } }) ?? undefined,
      },
    ];
    expect(bestModel(withClass as ModelEntry[], 'mnist')!.id).toBe('mnist-rowlstm');
  });

  it('follows the cards when a model is retrained', () => {
    const retrained = entries().map((m) => (m.id === 'emoji32-rowlstm' ? { ...m, test: { bitsPerDim: 2.1, nll: 4400 } } : m));
    expect(bestModel(retrained, 'emoji32')!.id).toBe('emoji32-rowlstm');
  });

  it('without figures, the first shipped model; reads cards defensively', () => {
    const bare = entries().map((m) => ({ ...m, test: undefined }));
    expect(bestModel(bare, 'emoji32')!.id).toBe('emoji32-diagonal');
    expect(testScore({ testNll: 'x' })).toBeNull();
    expect(testScore(null)).toBeNull();
    expect(testScore({ testBitsPerDim: 2.5 })).toEqual({ bitsPerDim: 2.5, nll: null });
  });

  it('Emoji-64 opens on its Multi-Scale pair, though the 64×64 PixelCNN is the best (★); other datasets on their best', () => {
    const { models } = parseIndex(
      [
        { id: 'emoji64-pixelcnn', dataset: 'emoji64', arch: 'pixelcnn', path: 'a/model.json' },
        { id: 'emoji64-multiscale', dataset: 'emoji64', arch: 'multiscale', path: 'b/model.json', small: 'c/model.json' },
      ],
      'http://x/models/',
    );
    const e64 = models.map((m) => ({ ...m, test: { bitsPerDim: m.arch === 'multiscale' ? 2.92 : 2.63, nll: null } }));
    expect(bestModel(e64, 'emoji64')!.id).toBe('emoji64-pixelcnn');
    expect(openingModel(e64, 'emoji64')!.id).toBe('emoji64-multiscale');
    // with no pair shipped, the best; an untrained pair is not preferred
    expect(openingModel(e64.filter((m) => m.arch !== 'multiscale'), 'emoji64')!.id).toBe('emoji64-pixelcnn');
    const untrainedPair = { ...e64[1]!, id: 'untrained:pair', kind: 'untrained' as const };
    expect(openingModel([e64[0]!, untrainedPair], 'emoji64')!.id).toBe('emoji64-pixelcnn');
    expect(openingModel(entries(), 'emoji32')!.id).toBe('emoji32-pixelcnn');
    expect(openingModel(entries(), 'mnist')!.id).toBe('mnist-rowlstm');
  });
});
