import { expect, test, type Page } from '@playwright/test';
import { open, samplePixels, waitModel } from './helpers';

/** The fixture pair of e2e/fixtures/make-models.ts: 4×4 RGB small model, 8×8 RGB large model given it. */
const ID = 'test-emoji64-multiscale';
const SMALL = 4 * 4 * 3;
const LARGE = 8 * 8 * 3;

async function smallPixels(page: Page): Promise<number[]> {
  return page.evaluate(() => Array.from(window.__pixelrnn!.state().sample.small ?? []));
}

/** Clicks pixel (row, col) of the first image of a grid canvas. */
async function pick(page: Page, testId: string, row: number, col: number): Promise<void> {
  const grid = page.getByTestId(testId);
  const box = (await grid.boundingBox())!;
  const scale = box.width / (await grid.evaluate((c: HTMLCanvasElement) => c.width));
  await page.mouse.click(box.x + (col + 0.5) * scale, box.y + (row + 0.5) * scale);
}

for (const backend of ['cpu', 'webgpu']) {
  test(`Emoji-64, Multi-Scale PixelRNN (${backend}): the small image is drawn first, then the large one given it; the seed repeats`, async ({ page }) => {
    await open(page, { model: ID, seed: 5, count: 2, backend });
    await waitModel(page, ID);
    await expect(page.getByTestId('dataset-emoji64')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('arch-multiscale')).toHaveAttribute('aria-pressed', 'true');
    // the pair's test figure beside PNG and WebP on the same test images, from its card
    await expect(page.getByTestId('model-nll')).toContainText('7.500 bits/dim');
    await expect(page.getByTestId('model-codecs')).toHaveText(/On the same 652 test images: PNG 2\.250, WebP lossless 1\.500 bits\/dim\./);

    const large = await samplePixels(page);
    expect(large).toHaveLength(2 * LARGE);
    // Stages in the order they began, each with how many small sub-pixels were drawn then: the small stage from
    // nothing, the large stage only once the small images were complete.
    await expect(page.getByTestId('samples')).toHaveAttribute('data-stages', `small@0,large@${SMALL}`);
    await expect(page.getByTestId('samples')).toHaveAttribute('data-stage', '');
    const small = await smallPixels(page);
    expect(small).toHaveLength(2 * SMALL);
    expect(new Set(small).size).toBeGreaterThan(10); // drawn, not blank
    expect(new Set(large).size).toBeGreaterThan(10);
    await expect(page.getByTestId('sample-small-grid')).toBeVisible();
    await expect(page.getByTestId('progress')).toContainText(`done: ${SMALL + LARGE} sub-pixels`);
    // read in the order drawn: stage 1 (small) left of or above stage 2 (large), each captioned
    const [s, l] = [await page.getByTestId('sample-small-grid').boundingBox(), await page.getByTestId('sample-grid').boundingBox()];
    expect(s!.x + s!.width <= l!.x + 0.5 || s!.y + s!.height <= l!.y + 0.5, JSON.stringify({ s, l })).toBe(true);
    await expect(page.locator('.small-stage figcaption')).toHaveText("Stage 1: 4×4");
    await expect(page.locator('.large-stage figcaption')).toHaveText("Stage 2: 8×8, given stage 1");

    await page.reload();
    expect(await samplePixels(page)).toEqual(large);
    expect(await smallPixels(page)).toEqual(small);
  });
}

test('Multi-Scale PixelRNN: the inspector works on both stages; the Inpaint, Fine-tune and Compress tabs say they do not support it', async ({ page }) => {
  await open(page, { model: ID, seed: 2, count: 1, backend: 'cpu' });
  await waitModel(page, ID);
  const large = await samplePixels(page);
  const small = await smallPixels(page);
  const inspector = page.getByTestId('inspector');

  // A pixel of the small image: the small model's distributions, and the values it drew there.
  await pick(page, 'sample-small-grid', 1, 2);
  await expect(inspector).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('dist-0')).toContainText(`drew ${small[(1 * 4 + 2) * 3]}`);
  await expect(page.getByTestId('dist-2')).toContainText(`drew ${small[(1 * 4 + 2) * 3 + 2]}`);
  const smallSum = Number(await page.getByTestId('dist-1').getAttribute('data-sum'));
  expect(Math.abs(smallSum - 1)).toBeLessThan(1e-6);

  // A pixel of the large image: the large model's, given the small image.
  await pick(page, 'sample-grid', 6, 3);
  await expect(inspector).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('dist-0')).toContainText(`drew ${large[(6 * 8 + 3) * 3]}`);
  await expect(page.getByTestId('dist-1')).toHaveAttribute('data-k', '256');

  await page.getByTestId('tab-inpaint').click();
  await expect(page.getByTestId('inpaint-unsupported')).toContainText('Inpainting is not supported for the Multi-Scale PixelRNN');
  await page.getByTestId('tab-finetune').click();
  await expect(page.getByTestId('finetune-unsupported')).toContainText('not supported');
  await page.getByTestId('tab-compress').click();
  await expect(page.getByTestId('compress-unsupported')).toContainText('not supported');
});

test.describe('at 390 px wide (a phone)', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('Multi-Scale PixelRNN: the large and the small images fit the width, side by side or one under the other', async ({ page }) => {
    await open(page, { model: ID, seed: 1, count: 8, backend: 'cpu' });
    await waitModel(page, ID);
    await samplePixels(page);
    const wide = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const out: string[] = [];
      for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0 && (r.right > vw + 0.5 || r.left < -0.5)) out.push(`${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''} ${Math.round(r.left)}–${Math.round(r.right)}`);
      }
      return out.slice(0, 12);
    });
    expect(wide).toEqual([]);
    await expect(page.getByTestId('sample-small-grid')).toBeVisible();
  });
});

test("the build leaves out Emoji-64's training and validation splits (81 MB the app never reads) and keeps what it does read", async ({ page }) => {
  await open(page, { model: ID, seed: 1, count: 2, backend: 'cpu' });
  await waitModel(page, ID);
  for (const path of ['data/emoji32/manifest.json', 'data/emoji64/manifest.json']) {
    const kept = await page.request.get(path);
    expect(kept.status(), path).toBe(200);
    expect(await kept.text()).toContain('pixelrnn-lab-dataset');
  }
  // the test split, for the galleries of a 64×64 model: all 652 images
  const test = await page.request.get('data/emoji64/test-rgb.u8');
  expect(test.status()).toBe(200);
  expect((await test.body()).length).toBe(652 * 64 * 64 * 3);
  for (const path of ['data/emoji64/train-rgb.u8', 'data/emoji64/val-rgb.u8']) {
    const dropped = await page.request.get(path);
    // a static server answers 404, or its single-page fallback (the app's HTML): never the data
    expect(dropped.status() === 404 || (await dropped.body()).length < 100_000, path).toBe(true);
  }
  // the Multi-Scale pair still samples both stages without it
  expect(await samplePixels(page)).toHaveLength(2 * LARGE);
  expect(await smallPixels(page)).toHaveLength(2 * SMALL);
});

test('an Emoji-64 model that is not a pair: the Inpaint gallery shows Emoji-64 test images, from the build', async ({ page }) => {
  const id = 'test-emoji64-pixelcnn';
  await open(page, { model: id, backend: 'cpu', tab: 'inpaint', autostart: 0 });
  await waitModel(page, id);
  await expect(page.getByTestId('dataset-emoji64')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('arch-pixelcnn')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('inpaint-unsupported')).toHaveCount(0);
  const gallery = page.getByTestId('gallery');
  await expect(gallery).toHaveAttribute('data-status', 'ready', { timeout: 30_000 });
  await expect(page.locator('[data-testid^="gallery-"]')).toHaveCount(12);
  await page.getByTestId('gallery-0').click();
  // the first test emoji, resized to the fixture's 8×8: a picture (not blank white), in the source
  const source = await page.evaluate(() => Array.from(window.__pixelrnn!.state().inpaint.source ?? []));
  expect(source).toHaveLength(8 * 8 * 3);
  expect(source.filter((v) => v < 200).length).toBeGreaterThan(8);
});
