import { expect, test } from '@playwright/test';
import { open, samplePixels, waitModel } from './helpers';

test('a crashed sampling worker shows an error and can be restarted', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', seed: 1, count: 1 });
  await waitModel(page);
  await samplePixels(page);
  await page.evaluate(() => window.__pixelrnn!.crash('sampler'));
  await expect(page.getByTestId('fault-sampler')).toContainText('The sampling worker crashed');
  await page.getByTestId('restart-sampler').click();
  await expect(page.getByTestId('fault-sampler')).toHaveCount(0);
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('sample').click();
  expect(await samplePixels(page)).toHaveLength(64);
});

test('a lost GPU device shows an error and the backend can be restarted', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', seed: 1, count: 1, autostart: 0, backend: 'webgpu' });
  await waitModel(page);
  await page.evaluate(() => window.__pixelrnn!.loseDevice('sampler'));
  await expect(page.getByTestId('fault-sampler')).toContainText('The GPU device was lost');
  await page.getByTestId('restart-sampler').click();
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('sample').click();
  expect(await samplePixels(page)).toHaveLength(64);
});
