import { expect, test, type Page } from '@playwright/test';
import { bar } from './images';
import { open, samplePixels, waitModel } from './helpers';

/** Keyboard use, a phone-sized screen, and progress that counts what is drawn. Backend forced to cpu (speed). */

test('tabs: arrow keys move and select, each tab controls its panel', async ({ page }) => {
  await open(page, { model: 'test-mnist-pixelcnn', autostart: 0, backend: 'cpu' });
  await waitModel(page, 'test-mnist-pixelcnn');
  const tabs = page.getByRole('tab');
  const n = await tabs.count();
  await expect(page.getByTestId('tab-sample')).toHaveAttribute('tabindex', '0');
  await expect(page.getByTestId('tab-inpaint')).toHaveAttribute('tabindex', '-1'); // one tab stop
  await page.getByTestId('tab-sample').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-inpaint')).toBeFocused();
  await expect(page.getByTestId('tab-inpaint')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('gallery')).toBeVisible(); // the Inpaint panel shows
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft'); // wraps to the last tab
  await expect(tabs.nth(n - 1)).toBeFocused();
  await expect(tabs.nth(n - 1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(page.getByTestId('tab-sample')).toHaveAttribute('aria-selected', 'true');
  for (let i = 0; i < n; i++) {
    const controls = await tabs.nth(i).getAttribute('aria-controls');
    const panel = page.locator(`#${controls}`);
    await expect(panel).toHaveAttribute('role', 'tabpanel');
    await expect(panel).toHaveAttribute('aria-labelledby', (await tabs.nth(i).getAttribute('id'))!);
  }
  await expect(page.locator('#panel-sample')).toBeVisible();
  await expect(page.locator('#panel-inpaint')).toBeHidden();
});

test('the pixel picker, test images and upload thumbnails work from the keyboard', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', seed: 2, count: 2, backend: 'cpu' });
  await waitModel(page, 'test-emoji-pixelcnn');
  const px = await samplePixels(page);
  const grid = page.getByTestId('sample-grid');
  await grid.focus();
  await expect(grid).toHaveAttribute('data-cursor', '0,0,0');
  for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'PageDown']) await page.keyboard.press(key);
  await expect(grid).toHaveAttribute('data-cursor', '1,1,2');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('inspector-title')).toContainText('Image 2, pixel (row 1, column 2)');
  await expect(page.getByTestId('dist-0')).toContainText(`drew ${px[8 * 8 * 3 + (1 * 8 + 2) * 3]}`);

  // Test images are buttons: Enter picks one.
  await page.getByTestId('tab-inpaint').click();
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('gallery-1').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('mask-editor')).toBeVisible();

  // Upload thumbnails toggle with Space.
  await page.getByTestId('tab-finetune').click();
  await page.getByTestId('train-upload').setInputFiles([0, 1].map((k) => ({ name: `b${k}.png`, mimeType: 'image/png', buffer: bar(k) })));
  const first = page.getByTestId('upload-ok').first();
  await expect(first).toHaveAttribute('aria-checked', 'true');
  await first.focus();
  await page.keyboard.press(' ');
  await expect(first).toHaveAttribute('aria-checked', 'false');
  await page.keyboard.press('Enter');
  await expect(first).toHaveAttribute('aria-checked', 'true');
});

test('inpainting progress counts only the hidden sub-pixels', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', tab: 'inpaint', autostart: 0, backend: 'cpu' });
  await waitModel(page, 'test-emoji-pixelcnn');
  await expect(page.getByTestId('gallery')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('gallery-0').click();
  await expect(page.getByTestId('hidden-count')).toContainText('32 of 64'); // the bottom half: 32 pixels × RGB = 96 sub-pixels
  await page.getByTestId('inpaint-count').fill('1');
  await page.getByTestId('complete').click();
  await expect(page.getByTestId('completions')).toHaveAttribute('data-status', 'done');
  const progress = page.getByTestId('completions').getByTestId('progress');
  await expect(progress).toHaveAttribute('data-to-draw', '96');
  await expect(progress).toHaveAttribute('data-drawn', '96');
  await expect(progress).toContainText('done: 96 hidden sub-pixels');
  await expect(progress.locator('progress')).toHaveAttribute('max', '96');
});

/** Elements that reach past the right edge of the viewport (none may, on any tab). */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > vw) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
    for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > vw + 0.5 || r.left < -0.5) out.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : el.className ? `.${String(el.className).split(' ')[0]}` : ''} ${Math.round(r.left)}–${Math.round(r.right)}`);
    }
    return out.slice(0, 12);
  });
}

test.describe('at 390 px wide (a phone)', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('nothing overflows horizontally on any tab, with samples, a picture to inpaint and uploads', async ({ page }) => {
    test.setTimeout(180_000);
    await open(page, { model: 'test-mnist-pixelcnn', seed: 1, count: 8, backend: 'cpu' });
    await waitModel(page, 'test-mnist-pixelcnn');
    await samplePixels(page);
    expect(await overflowing(page)).toEqual([]);
    // The real 28 × 28 MNIST models: 8 samples side by side are wider than a phone unless they scale down.
    await page.getByTestId('arch-rowlstm').click();
    await waitModel(page);
    await page.getByTestId('sample').click();
    await samplePixels(page);
    expect(await overflowing(page)).toEqual([]);
    const grid = (await page.getByTestId('sample-grid').boundingBox())!;
    const canvas = await page.getByTestId('sample-grid').evaluate((c: HTMLCanvasElement) => ({ w: c.width, h: c.height }));
    expect(Math.abs(grid.width / grid.height - canvas.w / canvas.h)).toBeLessThan(0.02); // scaled whole, not squashed

    await page.getByTestId('tab-inpaint').click();
    await expect(page.getByTestId('gallery')).toHaveAttribute('data-status', 'ready');
    await page.getByTestId('gallery-0').click();
    await expect(page.getByTestId('mask-editor')).toBeVisible();
    expect(await overflowing(page)).toEqual([]);

    await page.getByTestId('tab-finetune').click();
    await page.getByTestId('train-upload').setInputFiles([0, 1, 2, 3].map((k) => ({ name: `a-rather-long-file-name-of-an-upload-${k}.png`, mimeType: 'image/png', buffer: bar(k) })));
    await expect(page.getByTestId('uploads')).toHaveAttribute('data-count', '4');
    expect(await overflowing(page)).toEqual([]);

    const tabs = page.getByRole('tab');
    for (let i = 0; i < (await tabs.count()); i++) {
      await tabs.nth(i).click();
      await page.waitForTimeout(300);
      expect(await overflowing(page), `tab ${await tabs.nth(i).getAttribute('id')}`).toEqual([]);
    }
  });
});
