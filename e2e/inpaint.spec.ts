import { expect, test } from '@playwright/test';
import { gradient } from './images';
import { open, waitModel } from './helpers';

test('inpainting keeps every visible sub-pixel exactly and fills the hidden area', async ({ page }) => {
  await open(page, { model: 'test-emoji-pixelcnn', tab: 'inpaint', autostart: 0 });
  await waitModel(page, 'test-emoji-pixelcnn');
  await page.getByTestId('inpaint-upload').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: gradient() });
  const editor = page.getByTestId('mask-editor');
  await expect(editor).toBeVisible();
  // The default mask hides the bottom half: 32 of 64 pixels.
  await expect(page.getByTestId('hidden-count')).toContainText('32 of 64');

  // Mask tools: clear, a rectangle drag, undo, then the paper's bottom half again.
  await page.getByTestId('clear-mask').click();
  await expect(page.getByTestId('hidden-count')).toContainText('0 of 64');
  await page.getByTestId('tool-rect').click();
  await editor.scrollIntoViewIfNeeded();
  let box = (await editor.boundingBox())!;
  const cell = box.width / 8;
  await page.mouse.move(box.x + cell * 1.5, box.y + cell * 1.5);
  await page.mouse.down();
  await page.mouse.move(box.x + cell * 3.5, box.y + cell * 2.5, { steps: 4 });
  await page.mouse.up();
  await expect(page.getByTestId('hidden-count')).toContainText('6 of 64'); // rows 1–2 × cols 1–3
  await page.getByTestId('tool-brush').click();
  await editor.scrollIntoViewIfNeeded();
  box = (await editor.boundingBox())!;
  await page.mouse.click(box.x + cell * 6.5, box.y + cell * 6.5);
  await expect(page.getByTestId('hidden-count')).not.toContainText('6 of 64');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('hidden-count')).toContainText('6 of 64');
  await page.getByTestId('bottom-half').click();
  await expect(page.getByTestId('hidden-count')).toContainText('32 of 64');

  await page.getByTestId('inpaint-count').fill('2');
  await page.getByTestId('complete').click();
  await expect(page.getByTestId('completions')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('loglik-0')).toContainText('log p =');

  const { source, mask, images } = await page.evaluate(() => {
    const s = window.__pixelrnn!.state().inpaint;
    return { source: Array.from(s.source!), mask: Array.from(s.mask!), images: Array.from(s.run.images!) };
  });
  const per = 8 * 8 * 3;
  expect(images).toHaveLength(2 * per);
  for (let b = 0; b < 2; b++) {
    const hiddenValues: number[] = [];
    for (let i = 0; i < per; i++) {
      const hidden = mask[Math.floor(i / 3)] === 1;
      if (!hidden) expect(images[b * per + i], `completion ${b}, sub-pixel ${i}`).toBe(source[i]);
      else hiddenValues.push(images[b * per + i]!);
    }
    expect(hiddenValues).toHaveLength(96);
    expect(new Set(hiddenValues).size).toBeGreaterThan(5); // filled with drawn values, not left blank
  }
  // Two completions of the same picture differ in the hidden part.
  expect(images.slice(0, per)).not.toEqual(images.slice(per));
});
