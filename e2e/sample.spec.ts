import { expect, test } from '@playwright/test';
import { open, samplePixels, waitModel } from './helpers';

test('?backend=webgpu runs WebGPU (SwiftShader here) and the badge says so', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', autostart: 0, backend: 'webgpu' });
  await waitModel(page, 'test-mnist-pixelcnn');
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.getByTestId('backend-reason')).toContainText('WebGPU');
});

test('on WebGPU the app draws on the device: a handful of read-backs per batch, not one per sub-pixel, and the seed repeats', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', seed: 5, count: 2, backend: 'webgpu' });
  await waitModel(page, 'test-emoji-pixelcnn');
  const a = await samplePixels(page);
  expect(a).toHaveLength(2 * 8 * 8 * 3);
  const reads = await page.evaluate(() => window.__pixelrnn!.state().sample.readbacks);
  // 8×8×3 = 192 sub-pixel steps; the CPU draw would read back once per step. The device draw reads back at
  // most once per 40 ms frame, and the last read brings the images and their log-probabilities.
  expect(reads).not.toBeNull();
  expect(reads!).toBeGreaterThan(0);
  expect(reads!).toBeLessThan(8 * 8 * 3);
  await expect(page.getByTestId('progress')).toContainText(`drawn on the GPU, ${reads} read-backs`);
  await page.reload();
  expect(await samplePixels(page)).toEqual(a);
});

test('samples non-blank images; the same seed repeats exactly, another seed differs', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', seed: 3, count: 4 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(page.getByTestId('model-nll')).toContainText('Test NLL 44.36');
  const a = await samplePixels(page);
  expect(a).toHaveLength(4 * 8 * 8);
  expect(new Set(a).size).toBeGreaterThan(1); // not blank
  expect(a.every((v) => v === 0 || v === 1)).toBe(true); // binary model
  // The explanation fits the model: a binary model has no red, green and blue to pick.
  await expect(page.locator('.explain').first()).toContainText('each pixel black or white');
  await expect(page.locator('.explain').first()).not.toContainText('red, then green');

  await page.reload();
  const again = await samplePixels(page);
  expect(again).toEqual(a);

  await page.getByTestId('seed').fill('4');
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('samples')).toHaveAttribute('data-seed', '4');
  const b = await samplePixels(page);
  expect(b).not.toEqual(a);
});

test('RGB sampling: progress, stop, and the pixel inspector shows three distributions that sum to 1', async ({ page }) => {
  // On WebGPU (forced): the backend a GPU machine would choose, end to end.
  await open(page, { model: 'test-emoji-pixelcnn', seed: 5, count: 2, backend: 'webgpu' });
  await waitModel(page, 'test-emoji-pixelcnn');
  await expect(page.getByTestId('progress')).toBeVisible();
  const px = await samplePixels(page);
  expect(px).toHaveLength(2 * 8 * 8 * 3);
  expect(new Set(px).size).toBeGreaterThan(10);

  // Click pixel (row 2, col 5) of the first image.
  const grid = page.getByTestId('sample-grid');
  const box = (await grid.boundingBox())!;
  const pxW = await grid.evaluate((c: HTMLCanvasElement) => c.width);
  const scale = box.width / pxW;
  await page.mouse.click(box.x + (5 + 0.5) * scale, box.y + (2 + 0.5) * scale);
  const inspector = page.getByTestId('inspector');
  await expect(inspector).toHaveAttribute('data-status', 'ready');
  for (const c of [0, 1, 2]) {
    const d = page.getByTestId(`dist-${c}`);
    await expect(d).toHaveAttribute('data-k', '256');
    expect(Math.abs(Number(await d.getAttribute('data-sum')) - 1)).toBeLessThan(1e-6);
  }
  await expect(page.getByTestId('dist-0')).toContainText(`drew ${px[(2 * 8 + 5) * 3]}`);

  // A new run can be stopped part-way.
  await page.getByTestId('count').fill('4');
  await page.getByTestId('sample').click();
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('samples')).toHaveAttribute('data-status', /stopped|done/);

  // Download as PNG.
  const dl = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect((await dl).suggestedFilename()).toMatch(/\.png$/);
});

test('sampling speed: the read-out shows sub-pixels/s (logged for each test model)', async ({ page }) => {
  // SwiftShader is a CPU WebGPU: these numbers compare builds on one machine, they are not GPU speeds.
  // Each model samples twice (the first run compiles the shaders); the second is timed for up to 15 s.
  test.setTimeout(240_000);
  const speeds: Record<string, number> = {};
  const samples = page.getByTestId('samples');
  const run = async (seed: number, seconds: number) => {
    await page.getByTestId('seed').fill(String(seed));
    await page.getByTestId('sample').click();
    await expect(samples).toHaveAttribute('data-seed', String(seed));
    await expect(page.getByTestId('progress')).toContainText('sub-pixels/s');
    await expect(samples).toHaveAttribute('data-status', 'done', { timeout: seconds * 1000 }).catch(() => page.getByTestId('stop').click());
    await expect(samples).toHaveAttribute('data-status', /done|stopped/);
  };
  for (const model of ['test-mnist-pixelcnn', 'test-emoji-pixelcnn', 'test-mnist-rowlstm']) {
    await open(page, { model, count: 4, autostart: 0 });
    await waitModel(page, model);
    await run(1, 10);
    await run(2, 15);
    speeds[model] = Math.round(await page.evaluate(() => window.__pixelrnn!.state().sample.subPixelsPerSecond));
    expect(speeds[model]).toBeGreaterThan(0);
  }
  test.info().annotations.push({ type: 'sub-pixels/s', description: JSON.stringify(speeds) });
  console.log(`sampling speed (sub-pixels/s, 4 images): ${JSON.stringify(speeds)}`);
});
