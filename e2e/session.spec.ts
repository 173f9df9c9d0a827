import { expect, test } from '@playwright/test';
import { bar } from './images';
import { open, samplePixels, waitModel, watchRequests } from './helpers';

test('a whole session of use sends no request outside the page origin', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const foreign = watchRequests(page, origin);
  await open(page, { model: 'test-mnist-pixelcnn', seed: 9, count: 2 });
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', /connect-src 'self'/);
  await waitModel(page, 'test-mnist-pixelcnn');
  await samplePixels(page);

  // Inpaint a test image of the dataset (read from the app's own static files).
  await page.getByTestId('tab-inpaint').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('gallery-0').click();
  await page.getByTestId('inpaint-count').fill('1');
  await page.getByTestId('complete').click();
  await expect(page.getByTestId('completions')).toHaveAttribute('data-status', 'done');

  // Upload, fine-tune a few steps, export.
  await page.getByTestId('tab-finetune').click();
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3].map((k) => ({ name: `b${k}.png`, mimeType: 'image/png', buffer: bar(k) })));
  await page.getByTestId('ft-name').fill('session');
  await page.getByTestId('ft-steps').fill('3');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-stats')).toHaveAttribute('data-status', 'done');
  const downloads: string[] = [];
  page.on('download', (d) => downloads.push(d.suggestedFilename()));
  await page.getByTestId('export').click();
  await expect.poll(() => downloads.length).toBe(2);

  expect(foreign).toEqual([]);
});
