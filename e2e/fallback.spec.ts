import { expect, test } from '@playwright/test';
import { open, samplePixels, waitModel } from './helpers';

test('without WebGPU the app falls back, says why, and still samples', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', seed: 3, count: 2 });
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-backend', /wasm|webgl|cpu/);
  await expect(page.getByTestId('backend-figures').locator('li[data-backend="webgpu"]')).toContainText(/unavailable: .*(WebGPU|adapter)/);
  await waitModel(page, 'test-mnist-pixelcnn');
  const px = await samplePixels(page);
  expect(px).toHaveLength(2 * 64);
  expect(new Set(px).size).toBeGreaterThan(1);
});
