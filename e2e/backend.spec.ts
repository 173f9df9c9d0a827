import { expect, test } from '@playwright/test';
import { open, samplePixels, waitModel } from './helpers';

/**
 * Backend choice in the browser: the page is cross-origin isolated (so wasm runs threads, in the
 * sampling worker), the calibration measures the backends and picks the fastest (on this CPU-only
 * machine a CPU path, not SwiftShader's WebGPU), its result is cached per device and model shape,
 * `?backend=` forces each of the four, and a wrong value is named on the page.
 */

test('COOP/COEP make the page cross-origin isolated, and wasm runs threads in the sampling worker', async ({ page }) => {
  const res = await page.goto('./?autostart=0&model=test-emoji-pixelcnn');
  expect(res!.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(res!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await waitModel(page, 'test-emoji-pixelcnn');
  const wasm = page.getByTestId('backend-figures').locator('li[data-backend="wasm"]');
  // Only the threaded build (SharedArrayBuffer, i.e. isolation) reports a thread pool.
  await expect(wasm).toContainText(/SIMD, a pool of \d+ threads?/);
  expect(Number(await wasm.getAttribute('data-rate'))).toBeGreaterThan(0);
});

test('the calibration picks the fastest measured backend, says why with the figures, and is cached per device and model shape', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', autostart: 0 });
  await waitModel(page, 'test-emoji-pixelcnn');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-how', 'measured');
  // SwiftShader is a software WebGPU: not measured, and not chosen.
  const chosen = await badge.getAttribute('data-backend');
  expect(['wasm', 'cpu']).toContain(chosen);
  const figures = page.getByTestId('backend-figures');
  await expect(figures.locator('li[data-backend="webgpu"]')).toContainText(/software GPU/);
  const rates = await figures.locator('li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-backend'), Number(li.getAttribute('data-rate') || 0)] as const));
  const best = rates.reduce((a, b) => (b[1] > a[1] ? b : a));
  expect(best[0]).toBe(chosen);
  await expect(page.getByTestId('backend-reason')).toContainText(/was the fastest for sampling here: [\d,.]+ sub-pixels\/s/);

  // Reloaded: the same device and shape reuse the result.
  await page.reload();
  await waitModel(page, 'test-emoji-pixelcnn');
  await expect(badge).toHaveAttribute('data-how', 'cached');
  await expect(badge).toHaveAttribute('data-backend', chosen!);

  // A faked calibration result (cpu, with made-up figures) is obeyed on the next load of that shape…
  await page.evaluate(() => {
    const key = 'pixelrnn-lab/calibration@1';
    const all = JSON.parse(localStorage.getItem(key)!) as Record<string, Record<string, Record<string, { name: string; reason: string }>>>;
    for (const dev of Object.values(all)) for (const choice of Object.values(dev.sampling ?? {})) Object.assign(choice, { name: 'cpu', reason: 'Faked by the test.' });
    localStorage.setItem(key, JSON.stringify(all));
  });
  await page.reload();
  await waitModel(page, 'test-emoji-pixelcnn');
  await expect(badge).toHaveAttribute('data-backend', 'cpu');
  await expect(page.getByTestId('backend-reason')).toContainText('Faked by the test.');
  // …while another model shape is measured afresh.
  await open(page, { model: 'test-mnist-pixelcnn', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(badge).toHaveAttribute('data-how', 'measured');
});

for (const backend of ['webgpu', 'wasm', 'webgl', 'cpu'] as const) {
  test(`?backend=${backend} forces it, and it samples`, async ({ page }) => {
    await open(page, { model: 'test-mnist-pixelcnn', backend, seed: 3, count: 2 });
    await waitModel(page, 'test-mnist-pixelcnn');
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-backend', backend);
    await expect(badge).toHaveAttribute('data-how', 'forced');
    await expect(page.getByTestId('backend-reason')).toContainText(`?backend=${backend}`);
    const px = await samplePixels(page);
    expect(px).toHaveLength(2 * 64);
    expect(new Set(px).size).toBeGreaterThan(1);
  });
}

test('an unknown ?backend= value is named on the page, and the app still chooses one and samples', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', backend: 'tpu', seed: 3, count: 1 });
  await expect(page.getByTestId('backend-problem')).toContainText('Unknown backend "tpu" in ?backend=: use webgpu, wasm, webgl, cpu');
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-how', /measured|cached/);
  expect(await samplePixels(page)).toHaveLength(64);
});
