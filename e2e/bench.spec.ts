import { expect, test } from '@playwright/test';

/**
 * The sampling benchmark in the browser (bench.html): naive and cached sampling on the same weights, on
 * WebGPU. Prints the figures; asserts that the cached sampler draws what the naive one draws and is faster,
 * that the fused WebGPU LSTM cell ran and equals the composite of tfjs ops, values and gradients, and that
 * the gradients the project trains with equal tfjs's for each architecture, on the browser's WebGPU.
 * The 20× target of the issue is a benchmark figure (npm run bench:sample, README), not a test threshold:
 * this machine's software WebGPU makes timings noisy.
 */
test('bench page: cached sampling matches naive and beats it; the fused LSTM cell and training gradients are exact, on WebGPU', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./bench.html?models=test-mnist-pixelcnn,test-mnist-rowlstm&naiveSteps=2&cachedSteps=64&device=1');
  const out = page.getByTestId('bench-log');
  await expect(out).toHaveAttribute('data-status', 'done', { timeout: 200_000 });
  const result = JSON.parse((await out.getAttribute('data-result'))!) as {
    backend: string;
    lstmCell: { fused: boolean; h: number; c: number; dGates: number; dcPrev: number };
    gradients: { arch: string; maxRelErr: number }[];
    results: { model: string; speedup: number; agree: boolean; deviceAgree: boolean; readbacksPerImage: number; height: number; deviceSteps: number }[];
  };
  console.log(await out.textContent());
  expect(result.backend).toBe('webgpu');
  expect(result.lstmCell.fused).toBe(true);
  for (const k of ['h', 'c', 'dGates', 'dcPrev'] as const) expect(result.lstmCell[k], k).toBeLessThan(1e-5);
  expect(result.gradients.map((g) => g.arch)).toEqual(['pixelcnn', 'rowlstm', 'diagonal']);
  for (const g of result.gradients) expect(g.maxRelErr, g.arch).toBeLessThan(1e-4);
  expect(result.results).toHaveLength(2);
  for (const r of result.results) {
    expect(r.agree).toBe(true);
    expect(r.speedup).toBeGreaterThan(1);
    // The sampler the app runs on WebGPU: the naive sampler's draws on the device, and no read-back per
    // sub-pixel (at most one per row: the bound).
    expect(r.deviceSteps, r.model).toBeGreaterThan(0);
    expect(r.deviceAgree, r.model).toBe(true);
    expect(r.readbacksPerImage, r.model).toBeGreaterThan(0);
    expect(r.readbacksPerImage, r.model).toBeLessThanOrEqual(r.height);
  }
});

/**
 * The ties suite (README "Sampling speed"): whole images drawn on the device on WebGPU and on the cpu backend
 * from the same weights and seed; each image is compared up to its first difference. The figures for the
 * shipped model come from bench.html?suite=ties at full size; here a test model, for the plumbing and the
 * bookkeeping: on a model this small the two backends must agree (a tie needs u within ~1e-7 of a boundary).
 */
test('bench page: the device draw on WebGPU and on cpu, whole images compared (ties suite)', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('./bench.html?suite=ties&model=test-emoji-pixelcnn&backends=webgpu,cpu&count=2&seed=3');
  const out = page.getByTestId('bench-log');
  await expect(out).toHaveAttribute('data-status', 'done', { timeout: 100_000 });
  const r = JSON.parse((await out.getAttribute('data-result'))!) as { backends: string[]; images: number; firstDifference: (number | null)[]; subpixelsCompared: number; differences: number; rate: number };
  console.log(await out.textContent());
  expect(r.backends).toEqual(['webgpu', 'cpu']);
  expect(r.firstDifference).toHaveLength(2);
  const per = 8 * 8 * 3;
  expect(r.subpixelsCompared).toBe(r.firstDifference.reduce<number>((n, d) => n + (d === null ? per : d + 1), 0));
  expect(r.differences).toBe(r.firstDifference.filter((d) => d !== null).length);
  expect(r.differences).toBe(0);
});

/**
 * The backends suite of the bench page at small scale, with the shipped Emoji-32 PixelCNN: for every
 * backend this browser offers sampling sub-pixels/s, and for wasm training images/s, are measured and
 * positive, with no tensor leak, and wasm runs threaded in the suite's worker (the page is cross-origin
 * isolated). Training on the software GPUs and the cpu backend takes 10–40 s a step here, too long for CI.
 * The figures are logged; at full scale (bench.html?suite=backends) they are the README's.
 */
test('bench page: sampling and training speed of the shipped Emoji PixelCNN on every backend', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./bench.html?suite=backends&model=emoji32-pixelcnn&batch=2&sampleSteps=6&trainBatch=1&trainSteps=1&trainBackends=wasm');
  const out = page.getByTestId('bench-log');
  await expect(out).toHaveAttribute('data-status', 'done', { timeout: 220_000 });
  console.log(await out.textContent());
  const result = JSON.parse((await out.getAttribute('data-result'))!) as {
    isolated: boolean;
    rows: { backend: string; detail: string; subPixelsPerSec: number | null; sampleSteps: number; imagesPerSec: number | null; trainSteps: number; error?: string }[];
  };
  expect(result.isolated).toBe(true);
  expect(result.rows.map((r) => r.backend)).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
  for (const r of result.rows) {
    expect(r.error, r.backend).toBeUndefined();
    expect(r.sampleSteps, r.backend).toBe(6);
    expect(r.subPixelsPerSec, r.backend).toBeGreaterThan(0);
  }
  const wasm = result.rows.find((r) => r.backend === 'wasm')!;
  expect(wasm.trainSteps).toBe(1);
  expect(wasm.imagesPerSec).toBeGreaterThan(0);
  expect(wasm.detail).toMatch(/SIMD, a pool of \d+ threads?/);
});
