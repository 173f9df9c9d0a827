import { expect, test } from '@playwright/test';
import { gradient } from './images';
import { open, samplePixels, waitModel } from './helpers';

/**
 * A class-conditional model in the app (e2e/fixtures/make-models.ts 'test-mnist-gated-class': its class decides
 * the picture, every pixel white given "light", black given "dark", a coin flip given none): the "Draw" choice
 * is labelled, works from the keyboard, and the chosen class reaches the sampler in Sample and in Inpaint.
 */

test('Sample: "Draw: any | dark | light" chosen from the keyboard reaches the sampler', async ({ page }) => {
  await open(page, { model: 'test-mnist-gated-class', autostart: 0, count: 2, seed: 3 });
  await waitModel(page, 'test-mnist-gated-class');
  const draw = page.getByRole('combobox', { name: 'Draw', exact: true });
  await expect(draw).toBeVisible();
  await expect(draw.locator('option')).toHaveText(['any', 'dark', 'light']);
  await expect(draw).toHaveValue('any');

  // keyboard only: focus the choice, arrow down twice to "light", Enter on the focused Sample button
  await draw.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(draw).toHaveValue('1');
  await page.getByTestId('sample').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('samples')).toHaveAttribute('data-class', '1');
  const light = await samplePixels(page);
  expect(light).toHaveLength(2 * 8 * 8);
  expect(light.every((v) => v === 1)).toBe(true);

  await draw.selectOption({ label: 'dark' });
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('samples')).toHaveAttribute('data-class', '0');
  const dark = await samplePixels(page);
  expect(dark.every((v) => v === 0)).toBe(true);

  // any: the model's none class, a coin flip per pixel here
  await draw.selectOption('any');
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('samples')).toHaveAttribute('data-class', 'any');
  const any = await samplePixels(page);
  expect(any.filter((v) => v === 1).length).toBeGreaterThan(20);
  expect(any.filter((v) => v === 0).length).toBeGreaterThan(20);

  // the pixel inspector asks about the class the sample was drawn given
  await draw.selectOption({ label: 'light' });
  await page.getByTestId('sample').click();
  await samplePixels(page);
  await page.getByTestId('sample-grid').click({ position: { x: 5, y: 5 } });
  await expect(page.getByTestId('inspector')).toContainText(/p\(white\) = 1\.000/);
});

test('Inpaint: the completions are drawn given the chosen class; a model without classes shows no choice', async ({ page }) => {
  await open(page, { model: 'test-mnist-gated-class', tab: 'inpaint', autostart: 0 });
  await waitModel(page, 'test-mnist-gated-class');
  await page.getByTestId('inpaint-upload').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: gradient() });
  await expect(page.getByTestId('hidden-count')).toContainText('32 of 64');
  const draw = page.getByTestId('inpaint-class');
  await expect(page.getByRole('combobox', { name: 'Draw', exact: true })).toBeVisible();
  await draw.selectOption({ label: 'light' });
  await page.getByTestId('inpaint-count').fill('2');
  await page.getByTestId('complete').click();
  const completions = page.getByTestId('completions');
  await expect(completions).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(completions).toHaveAttribute('data-class', '1');
  const { source, mask, images } = await page.evaluate(() => {
    const s = window.__pixelrnn!.state().inpaint;
    return { source: Array.from(s.source!), mask: Array.from(s.mask!), images: Array.from(s.run.images!) };
  });
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 64; i++) expect(images[b * 64 + i], `completion ${b}, pixel ${i}`).toBe(mask[i] ? 1 : source[i]);

  await draw.selectOption({ label: 'dark' });
  await page.getByTestId('complete').click();
  await expect(completions).toHaveAttribute('data-class', '0');
  await expect(completions).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  const dark = await page.evaluate(() => Array.from(window.__pixelrnn!.state().inpaint.run.images!));
  for (let i = 0; i < 64; i++) if (mask[i]) expect(dark[i]).toBe(0);

  await open(page, { model: 'test-mnist-gated', autostart: 0 });
  await waitModel(page, 'test-mnist-gated');
  await expect(page.getByTestId('sample')).toBeVisible();
  await expect(page.getByTestId('draw-class')).toHaveCount(0);
});
