import { expect, test, type Page } from '@playwright/test';
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

test('fine-tuning: the loss falls, pause → resume continues the same run, and after a reload the model is listed and samples', async ({ page }) => {
  test.setTimeout(180_000);
  // Trained on WebGPU (forced): that path end to end, and steps slow enough (SwiftShader) to pause mid-run.
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0, backend: 'webgpu' });
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3, 4, 5].map((k) => file(`bar-${k}.png`, bar(k % 3))));
  await expect(page.getByTestId('uploads')).toHaveAttribute('data-count', '6');
  await page.getByTestId('ft-name').fill('e2e-tuned');
  await page.getByTestId('ft-steps').fill('30');
  await page.getByTestId('ft-lr').fill('0.02');
  await page.getByTestId('train').click();
  const stats = page.getByTestId('train-stats');

  // Pause part-way: the worker confirms after the step in flight, and no step runs while paused.
  await expect.poll(async () => Number(await stats.getAttribute('data-step')), { timeout: 90_000 }).toBeGreaterThanOrEqual(4);
  const clicked = Date.now();
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('finetune-message')).toContainText(/Paused after step \d+\./, { timeout: 2000 });
  expect(Date.now() - clicked).toBeLessThan(2000);
  const pausedAt = Number((await page.getByTestId('finetune-message').textContent())!.match(/step (\d+)/)![1]);
  expect(pausedAt).toBeLessThan(30);
  await expect(stats).toHaveAttribute('data-status', 'paused');
  await expect(stats).toHaveAttribute('data-step', String(pausedAt));
  await page.waitForTimeout(1500);
  await expect(stats).toHaveAttribute('data-step', String(pausedAt));
  await expect(page.getByTestId('pause')).toHaveText('Resume');
  await page.getByTestId('pause').click();
  await expect(stats).toHaveAttribute('data-status', 'done', { timeout: 110_000 });
  await expect(page.getByTestId('saved-step')).toContainText('saved at step 30');

  const { loss, lossSteps, val, valSteps } = await page.evaluate(() => {
    const f = window.__pixelrnn!.state().finetune;
    return { loss: f.loss.map((p) => p.value), lossSteps: f.loss.map((p) => p.step), val: f.valBits.map((p) => p.value), valSteps: f.valBits.map((p) => p.step) };
  });
  // Resumed, not restarted: every step 1..30 exactly once, in order, and the held-out curve at 0, 10, 20, 30.
  expect(lossSteps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  expect(valSteps).toEqual([0, 10, 20, 30]);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  expect(mean(loss.slice(-5))).toBeLessThan(mean(loss.slice(0, 5)) * 0.8);
  expect(val.at(-1)!).toBeLessThan(val[0]!);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '30');
  await expect(page.getByTestId('loss-chart').locator('canvas')).toBeVisible();
  await expect(page.getByTestId('val-chart')).toHaveAttribute('data-points', '4');
  await expect(page.getByTestId('train-samples')).toBeVisible();
  await expect(page.getByTestId('train-skip')).toHaveCount(0); // no NaN-guard skips at this learning rate

  // After a reload the fine-tuned model is listed under its own name, loads from IndexedDB and samples.
  await open(page, { model: 'local:pixelrnn/mnist/pixelcnn/e2e-tuned', seed: 2, count: 2 });
  await waitModel(page, 'local:pixelrnn/mnist/pixelcnn/e2e-tuned');
  await expect(page.getByTestId('model-select').locator('option', { hasText: 'e2e-tuned (saved in this browser)' })).toHaveCount(1);
  const px = await samplePixels(page);
  expect(px).toHaveLength(2 * 64);
  // The shipped model is still there to restore.
  await page.getByTestId('tab-finetune').click();
  await page.getByTestId('restore').click();
  // A shipped MNIST PixelCNN (the e2e fixture, or a real one when public/models has it), not the local one.
  await expect(page.getByTestId('model-status')).toHaveAttribute('data-model', /^(?!local:).*pixelcnn$/);
  await waitModel(page);
});

/** The step counter of the Fine-tune tab, as drawn. */
async function stepOf(page: Page): Promise<number> {
  return Number(await page.getByTestId('train-stats').getAttribute('data-step'));
}

/** Fails unless the step counter stays at `step` for `ms` (checked every 100 ms). */
async function expectStepStays(page: Page, step: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await stepOf(page)).toBe(step);
    await page.waitForTimeout(100);
  }
}

test('Pause and Stop take effect within 2 s on the chosen training backend: the step counter stops at once', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3, 4].map((k) => file(`bar-${k}.png`, bar(k % 3))));
  await page.getByTestId('ft-name').fill('e2e-stopped');
  // Far more steps than this test can run: "done" is never reached by itself, only Pause and Stop end the steps.
  await page.getByTestId('ft-steps').fill('100000');
  await page.getByTestId('train').click();
  const stats = page.getByTestId('train-stats');
  const message = page.getByTestId('finetune-message');
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
  // The worker names the training backend it chose (measured, on this machine a CPU path).
  await expect(page.getByTestId('train-backend')).toHaveAttribute('data-backend', /wasm|cpu|webgl|webgpu/);

  // Pause: the worker confirms within 2 s, and no step runs while paused.
  let clicked = Date.now();
  await page.getByTestId('pause').click();
  await expect(message).toContainText(/Paused after step \d+\./, { timeout: 2000 });
  expect(Date.now() - clicked).toBeLessThan(2000);
  const pausedAt = Number((await message.textContent())!.match(/step (\d+)/)![1]);
  await expect(stats).toHaveAttribute('data-status', 'paused');
  await expectStepStays(page, pausedAt, 2000);
  expect(await page.evaluate(() => window.__pixelrnn!.state().finetune.loss.at(-1)!.step)).toBe(pausedAt);

  // Resume: the same run goes on.
  await page.getByTestId('pause').click();
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(pausedAt + 3);
  await expect(stats).toHaveAttribute('data-status', 'running');

  // Stop: within 2 s no step runs any more; the held-out evaluation and the save of that step follow.
  clicked = Date.now();
  await page.getByTestId('stop-training').click();
  await expect(message).toContainText(/Stopped after step \d+/, { timeout: 2000 });
  expect(Date.now() - clicked).toBeLessThan(2000);
  const stoppedAt = Number((await message.textContent())!.match(/step (\d+)/)![1]);
  expect(stoppedAt).toBeGreaterThan(pausedAt);
  await expect(stats).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
  await expectStepStays(page, stoppedAt, 1500);
  await expect(page.getByTestId('saved-step')).toContainText(`saved at step ${stoppedAt}`);
  const steps = await page.evaluate(() => window.__pixelrnn!.state().finetune.loss.map((p) => p.step));
  expect(steps).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1)); // every step once: resumed, not restarted
});

test('a saved fine-tune continues after a reload: from its step, with its optimiser state', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3, 4, 5].map((k) => file(`bar-${k}.png`, bar(k % 3))));
  await page.getByTestId('ft-name').fill('e2e-continued');
  await page.getByTestId('ft-steps').fill('6');
  await page.getByTestId('ft-lr').fill('0.02');
  await page.getByTestId('train').click();
  const stats = page.getByTestId('train-stats');
  await expect(stats).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('saved-step')).toContainText('saved at step 6');

  // A new page: nothing in memory, only what IndexedDB kept.
  await open(page, { model: 'local:pixelrnn/mnist/pixelcnn/e2e-continued', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'local:pixelrnn/mnist/pixelcnn/e2e-continued');
  const saved = page.getByTestId('saved-run');
  await expect(saved).toHaveAttribute('data-step', '6');
  await expect(saved).toHaveAttribute('data-updates', '6');
  await expect(saved).toContainText('the 6 images it was trained on');
  await page.getByTestId('ft-steps').fill('4');
  await page.getByTestId('continue-training').click();
  await expect(stats).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(stats).toHaveAttribute('data-step', '10');
  await expect(stats).toHaveAttribute('data-start-step', '6');
  await expect(page.getByTestId('finetune-message')).toContainText('Continued from step 6 to step 10');
  const { lossSteps, valSteps } = await page.evaluate(() => {
    const f = window.__pixelrnn!.state().finetune;
    return { lossSteps: f.loss.map((p) => p.step), valSteps: f.valBits.map((p) => p.step) };
  });
  expect(lossSteps).toEqual([7, 8, 9, 10]);
  expect(valSteps).toEqual([10]); // the held-out curve goes on from the saved evaluation at step 6
  await expect(page.getByTestId('saved-step')).toContainText('saved at step 10');
  // Saved again with its training state: 10 Adam updates, 6 of them from before the reload.
  await expect(saved).toHaveAttribute('data-step', '10');
  await expect(saved).toHaveAttribute('data-updates', '10');
});

test('train from scratch: sizes with parameter counts, a tiny model on built-in MNIST images, live curve and samples, saved', async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  const params = async (size: string) => Number(await page.getByTestId(`scratch-size-${size}`).getAttribute('data-params'));
  await expect(page.getByTestId('scratch-size-medium')).toHaveAttribute('data-params', /^\d+$/, { timeout: 60_000 });
  const [tiny, small, medium] = [await params('tiny'), await params('small'), await params('medium')];
  expect(tiny).toBeGreaterThan(0);
  expect(tiny).toBeLessThan(small);
  expect(small).toBeLessThan(medium);
  await expect(page.getByTestId('scratch-size-tiny')).toContainText(`${tiny.toLocaleString('en-US')} parameters`);

  await page.getByTestId('ft-name').fill('e2e-scratch');
  await page.getByTestId('ft-steps').fill('4');
  await page.getByTestId('scratch-count').selectOption('64');
  await page.getByTestId('scratch-train').click();
  const stats = page.getByTestId('train-stats');
  await expect(stats).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(stats).toHaveAttribute('data-step', '4');
  await expect(page.getByTestId('finetune-message')).toContainText('Trained a tiny model from scratch for 4 steps');
  const f = await page.evaluate(() => {
    const s = window.__pixelrnn!.state().finetune;
    return { loss: s.loss.map((p) => p.step), val: s.valBits.length, samples: s.samples && { step: s.samples.step, h: s.samples.config.height, n: s.samples.images.length } };
  });
  expect(f.loss).toEqual([1, 2, 3, 4]);
  expect(f.val).toBeGreaterThan(0);
  // Samples of the new 28×28 model, not of the 8×8 fixture that was selected.
  expect(f.samples).toEqual({ step: 4, h: 28, n: 4 * 28 * 28 });
  await expect(page.getByTestId('train-samples')).toBeVisible();
  await expect(page.getByTestId('saved-step')).toContainText('saved at step 4');
  // Listed under its name, and it loads and samples like any saved model.
  await open(page, { model: 'local:pixelrnn/mnist/pixelcnn/e2e-scratch', seed: 2, count: 1 });
  await waitModel(page, 'local:pixelrnn/mnist/pixelcnn/e2e-scratch');
  expect(await samplePixels(page)).toHaveLength(28 * 28);
});

for (const backend of ['cpu', 'wasm'] as const)
  test(`fine-tuning runs to the end on the ${backend} backend when it is forced (its own kernels included)`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0, backend });
    await waitModel(page, 'test-mnist-pixelcnn');
    await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3].map((k) => file(`bar-${k}.png`, bar(k % 3))));
    await expect(page.getByTestId('uploads')).toHaveAttribute('data-count', '4');
    await page.getByTestId('ft-name').fill(`e2e-${backend}`);
    await page.getByTestId('ft-steps').fill('3');
    await page.getByTestId('train').click();
    const stats = page.getByTestId('train-stats');
    await expect(stats).toHaveAttribute('data-status', /done|error|stopped/, { timeout: 90_000 });
    // The message first, so that a failure says what went wrong.
    const why = (await page.getByTestId('train-error').count()) ? await page.getByTestId('train-error').textContent() : '';
    expect(await stats.getAttribute('data-status'), why ?? '').toBe('done');
    await expect(stats).toHaveAttribute('data-step', '3');
    await expect(page.getByTestId('train-backend')).toHaveAttribute('data-backend', backend);
    expect(errors).toEqual([]);
  });

test('train a Gated PixelCNN from scratch: the fourth architecture, listed under its own name in the picker, and it samples', async ({ page }) => {
  test.setTimeout(240_000);
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'finetune', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(page.getByTestId('arch-gated')).toBeEnabled(); // listed: untrained weights at least
  const tinyParams = () => page.getByTestId('scratch-size-tiny').getAttribute('data-params');
  await expect(page.getByTestId('scratch-size-tiny')).toHaveAttribute('data-params', /^\d+$/, { timeout: 60_000 });
  const pixelcnnTiny = await tinyParams();
  await page.getByTestId('scratch-arch').selectOption('gated');
  await expect.poll(tinyParams, { timeout: 60_000 }).not.toBe(pixelcnnTiny); // the sizes are the gated model's
  await page.getByTestId('ft-name').fill('e2e-gated');
  await page.getByTestId('ft-steps').fill('2');
  await page.getByTestId('scratch-count').selectOption('64');
  await page.getByTestId('scratch-train').click();
  const stats = page.getByTestId('train-stats');
  await expect(stats).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(stats).toHaveAttribute('data-step', '2');
  const arch = await page.evaluate(() => window.__pixelrnn!.state().finetune.samples?.config.arch);
  expect(arch).toBe('gated');
  await open(page, { model: 'local:pixelrnn/mnist/gated/e2e-gated', seed: 2, count: 1 });
  await waitModel(page, 'local:pixelrnn/mnist/gated/e2e-gated');
  await expect(page.getByTestId('arch-gated')).toHaveAttribute('aria-pressed', 'true');
  const px = await samplePixels(page);
  expect(px).toHaveLength(28 * 28);
  expect(px.every((v) => v === 0 || v === 1)).toBe(true);
});
