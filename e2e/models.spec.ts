import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { bar } from './images';
import { open, samplePixels, waitModel } from './helpers';

/**
 * Models the person has: a sample keeps the model that drew it, nothing saved is replaced without a yes,
 * an imported model goes where its own file says and the page says it worked, and a fine-tune's card shows
 * its own evaluation. The backend is forced to cpu: the subject here is the store, not the backend.
 */

test('after a switch of model the old samples are gone: no pixel of theirs is inspected with the new model', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', seed: 5, count: 2, backend: 'cpu' });
  await waitModel(page, 'test-emoji-pixelcnn');
  await samplePixels(page);
  // On another tab (so the new model does not sample by itself), switch to an MNIST model.
  await page.getByTestId('tab-inpaint').click();
  await page.getByTestId('dataset-mnist').click();
  await waitModel(page);
  await page.getByTestId('arch-pixelcnn').click();
  await waitModel(page);
  await page.getByTestId('model-select').selectOption('test-mnist-pixelcnn');
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('tab-sample').click();
  // The RGB samples went with their model: nothing to click that the MNIST model would be asked about.
  await expect(page.getByTestId('samples')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId('sample-grid')).toHaveCount(0);
  await expect(page.getByTestId('inspector')).toHaveCount(0);

  // New samples from the MNIST model: its inspector, labelled with it, shows one probability on a 0–1 bar.
  await page.getByTestId('sample').click();
  const px = await samplePixels(page);
  const grid = page.getByTestId('sample-grid');
  const box = (await grid.boundingBox())!;
  const scale = box.width / (await grid.evaluate((c: HTMLCanvasElement) => c.width));
  await page.mouse.click(box.x + 3.5 * scale, box.y + 4.5 * scale); // row 4, col 3 of image 1
  await expect(page.getByTestId('inspector')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('inspector-title')).toContainText('pixel (row 4, column 3), drawn by Test PixelCNN (8×8, random)');
  const meter = page.getByTestId('p-white');
  const p = Number(await meter.getAttribute('data-p'));
  expect(p).toBeGreaterThanOrEqual(0);
  expect(p).toBeLessThanOrEqual(1);
  await expect(meter).toHaveAttribute('aria-valuenow', String(Number(p.toFixed(3))));
  // The bar's filled share is the probability itself (not scaled to the taller of two bars).
  const filled = await meter.evaluate((el) => (el.firstElementChild as HTMLElement).getBoundingClientRect().width / el.getBoundingClientRect().width);
  expect(Math.abs(filled - p)).toBeLessThan(0.02);
  await expect(page.getByTestId('dist-0')).toContainText(`p(white) = ${p.toFixed(3)}; drew ${px[4 * 8 + 3] === 1 ? 'white' : 'black'}`);
});

/** Exports the selected model and returns the two downloaded files' paths. */
async function exportFiles(page: Page): Promise<string[]> {
  const paths: Promise<string>[] = [];
  page.on('download', (d) => paths.push(d.path().then((p) => p!)));
  await page.getByTestId('export').click();
  await expect.poll(() => paths.length).toBe(2);
  return Promise.all(paths);
}

test('import: placed by its own card and config, a same name is replaced only after a yes, and the page says it worked', async ({ page }) => {
  await open(page, { model: 'test-mnist-rowlstm', tab: 'finetune', autostart: 0, backend: 'cpu' });
  await waitModel(page, 'test-mnist-rowlstm');
  const [json, bin] = await exportFiles(page);
  const files = [
    { name: 'digits.json', mimeType: 'application/json', buffer: readFileSync(json!) },
    { name: 'digits.weights.bin', mimeType: 'application/octet-stream', buffer: readFileSync(bin!) },
  ].sort((a) => (a.name.endsWith('.json') ? -1 : 1));
  // The exported card names its dataset; the architecture comes from the config (a Row LSTM, not "pixelcnn").
  expect(JSON.parse(files[0]!.buffer.toString()).userDefinedMetadata.card.dataset).toEqual({ name: 'mnist' });

  await page.getByTestId('import').setInputFiles(files);
  const key = 'local:pixelrnn/mnist/rowlstm/digits';
  await waitModel(page, key);
  await expect(page.getByTestId('notice')).toContainText('Imported "digits" (MNIST, Row LSTM');
  await expect(page.getByTestId('notice')).toContainText('it is the selected model now');

  // The same files again: the page asks. Cancel keeps the saved one and stores nothing.
  await page.getByTestId('import').setInputFiles(files);
  await expect(page.getByTestId('confirm')).toContainText('"digits" is already saved in this browser');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('notice')).toHaveText('Nothing was imported: "digits" is unchanged.');
  // Keep both: a second, free name.
  await page.getByTestId('import').setInputFiles(files);
  await page.getByTestId('confirm-keep').click();
  await waitModel(page, 'local:pixelrnn/mnist/rowlstm/digits-2');
  await expect(page.getByTestId('notice')).toContainText('Imported "digits-2"');
  // Replace: said so.
  await page.getByTestId('import').setInputFiles(files);
  await page.getByTestId('confirm-replace').click();
  await expect(page.getByTestId('notice')).toContainText('replacing the one saved before');
  await waitModel(page, key);
  await expect(page.getByTestId('model-select').locator('option', { hasText: '(saved in this browser)' })).toHaveCount(2);
});

/** Waits for the fine-tune to end, and fails with its error message if it ended in one. */
async function trained(page: Page): Promise<void> {
  const stats = page.getByTestId('train-stats');
  await expect(stats).toHaveAttribute('data-status', /^(done|error)$/, { timeout: 120_000 });
  if ((await stats.getAttribute('data-status')) === 'error') throw new Error(`the fine-tune failed: ${await page.getByTestId('train-error').textContent()}`);
}

test("fine-tunes get free names, a taken name is replaced only after a yes, and a fine-tune's card shows its own held-out figure", async ({ page }) => {
  test.setTimeout(240_000);
  // The backend as the page chooses it (a forced cpu backend is another test's subject).
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(page.getByTestId('model-nll')).toContainText('Test NLL 44.36');
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3, 4].map((k) => ({ name: `b${k}.png`, mimeType: 'image/png', buffer: bar(k % 3) })));
  await page.getByTestId('ft-steps').fill('3');
  const name = page.getByTestId('ft-name');
  await expect(name).toHaveValue('my-pixelcnn');
  await page.getByTestId('train').click();
  const stats = page.getByTestId('train-stats');
  await trained(page);
  // The next fine-tune is offered a free name, so it cannot overwrite this one.
  await expect(name).toHaveValue('my-pixelcnn-2');

  // The fine-tuned model's card: its own held-out figure, not the shipped model's test NLL.
  await page.getByTestId('use-finetuned').click();
  await waitModel(page, 'local:pixelrnn/mnist/pixelcnn/my-pixelcnn');
  const nll = page.getByTestId('model-nll');
  await expect(nll).toHaveAttribute('data-kind', 'heldOut');
  await expect(nll).toContainText('Fine-tuned from Test PixelCNN (8×8, random):');
  await expect(nll).toContainText('bits/dim on 1 held-out image of your upload (step 3)');
  await expect(nll).not.toContainText('44.36');

  // A typed name that is taken: the page asks before anything trains; Cancel starts nothing.
  await name.fill('my-pixelcnn');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('confirm')).toContainText('"my-pixelcnn" is already saved in this browser');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('finetune-message')).toContainText('Not started: "my-pixelcnn" is unchanged');
  await expect(stats).toHaveAttribute('data-status', 'done');
  // "Save as" the free name instead: trains under it; both are listed.
  await page.getByTestId('train').click();
  await page.getByTestId('confirm-rename').click();
  await expect(name).toHaveValue('my-pixelcnn-2');
  await trained(page);
  await expect(page.getByTestId('finetune-message')).toContainText('"my-pixelcnn-2"');
  await expect(page.getByTestId('model-select').locator('option', { hasText: '(saved in this browser)' })).toHaveCount(2);
});
