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

test('an uncaught error inside a worker is reported, not taken for a crash: the worker carries on', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await open(page, { model: 'test-mnist-pixelcnn', seed: 1, count: 1, autostart: 0 });
  await waitModel(page);
  const sampler = page.workers().find((w) => w.url().includes('sample.worker'))!;
  // A stray timer throws inside the worker, as a bug in a callback would.
  await sampler.evaluate(() => {
    setTimeout(() => {
      throw new Error('stray error in a timer');
    });
  });
  await expect.poll(() => warnings.some((w) => w.includes('[sampler] uncaught error (the worker carries on): ') && w.includes('stray error in a timer'))).toBe(true);
  await expect(page.getByTestId('fault-sampler')).toHaveCount(0);
  await page.getByTestId('sample').click();
  expect(await samplePixels(page)).toHaveLength(64);
});
