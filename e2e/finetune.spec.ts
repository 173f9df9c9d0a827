import { expect, test } from '@playwright/test';
import { bar, pngHeaderOnly, truncatedPng } from './images';
import { open, samplePixels, waitModel } from './helpers';

const file = (name: string, buffer: Buffer, mimeType = 'image/png') => ({ name, mimeType, buffer });

test('each bad upload gets its message naming the file; good files of the same upload are kept', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('train-upload').setInputFiles([
    file('good-1.png', bar(0)),
    file('notes.txt', Buffer.from('hello, not an image'), 'text/plain'),
    file('empty.png', Buffer.alloc(0)),
    file('broken.png', truncatedPng()),
    file('huge.png', pngHeaderOnly(8000, 8000)),
    file('old.bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]), 'image/bmp'),
    file('good-2.png', bar(2)),
  ]);
  await expect(page.getByTestId('uploads')).toHaveAttribute('data-count', '2');
  const errors = page.getByTestId('upload-error');
  await expect(errors).toHaveCount(5);
  await expect(errors.nth(0)).toContainText('notes.txt: this is not an image');
  await expect(errors.nth(1)).toContainText('empty.png: the file is empty');
  await expect(errors.nth(2)).toContainText('broken.png');
  await expect(errors.nth(2)).toContainText('could not be decoded');
  await expect(errors.nth(3)).toContainText('huge.png: the image is 8000 × 8000 pixels');
  await expect(errors.nth(4)).toContainText('old.bmp: BMP images are not supported');
  // Two usable images are too few: training is blocked, with the reason.
  await expect(page.getByTestId('train')).toBeDisabled();
  await expect(page.getByTestId('train-blocked')).toContainText('at least 4 usable images (2 so far)');
});

test('fine-tuning runs steps, the loss falls, and after a reload the model is listed and samples', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3, 4, 5].map((k) => file(`bar-${k}.png`, bar(k % 3))));
  await expect(page.getByTestId('uploads')).toHaveAttribute('data-count', '6');
  await page.getByTestId('ft-name').fill('e2e-tuned');
  await page.getByTestId('ft-steps').fill('30');
  await page.getByTestId('ft-lr').fill('0.02');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-stats')).toHaveAttribute('data-status', 'done', { timeout: 110_000 });
  await expect(page.getByTestId('saved-step')).toContainText('saved at step 30');
  const { loss, val } = await page.evaluate(() => {
    const f = window.__pixelrnn!.state().finetune;
    return { loss: f.loss.map((p) => p.value), val: f.valBits.map((p) => p.value) };
  });
  expect(loss).toHaveLength(30);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  expect(mean(loss.slice(-5))).toBeLessThan(mean(loss.slice(0, 5)) * 0.8);
  expect(val.at(-1)!).toBeLessThan(val[0]!);
  await expect(page.getByTestId('train-samples')).toBeVisible();

  // After a reload the fine-tuned model is listed under its own name, loads from IndexedDB and samples.
  await open(page, { model: 'local:pixelrnn/mnist/pixelcnn/e2e-tuned', seed: 2, count: 2 });
  await waitModel(page, 'local:pixelrnn/mnist/pixelcnn/e2e-tuned');
  await expect(page.getByTestId('model-select').locator('option', { hasText: 'e2e-tuned (fine-tuned here)' })).toHaveCount(1);
  const px = await samplePixels(page);
  expect(px).toHaveLength(2 * 64);
  // The shipped model is still there to restore.
  await page.getByTestId('tab-finetune').click();
  await page.getByTestId('restore').click();
  await waitModel(page, 'test-mnist-pixelcnn');
});
