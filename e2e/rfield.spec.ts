import { expect, test, type Page } from '@playwright/test';
import { open, waitModel } from './helpers';

/**
 * The Receptive field tab on the tiny 8×8 binary fixtures (e2e/fixtures/make-models.ts: one layer, 3×3 first
 * kernel, random weights) of the four architectures: a click computes four fields in the sampling worker; later
 * pixels stay blank; the PixelCNN's blind spot (above-right) is exactly zero where the Gated PixelCNN's field
 * is not; no tensors are left behind.
 */
const S = 8;
const ARCHS = ['pixelcnn', 'rowlstm', 'diagonal', 'gated'] as const;

async function fields(page: Page) {
  return page.evaluate(() => {
    const r = window.__pixelrnn!.state().rfield;
    return {
      at: r.at,
      status: r.status,
      panels: r.panels.map((p) => ({
        arch: p.arch,
        modelId: p.modelId,
        status: p.status,
        error: p.error,
        magnitude: p.result ? Array.from(p.result.magnitude) : null,
        tensors: p.result ? [p.result.tensorsBefore, p.result.tensorsAfter] : null,
      })),
    };
  });
}

/** Alpha and colour of every pixel of a panel's heatmap canvas. */
async function canvasPixels(page: Page, arch: string) {
  return page.getByTestId(`rfield-map-${arch}`).evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

async function clickPixel(page: Page, row: number, col: number) {
  const image = page.getByTestId('rfield-image');
  const box = (await image.boundingBox())!;
  await image.click({ position: { x: ((col + 0.5) * box.width) / S, y: ((row + 0.5) * box.height) / S } });
}

test('a click shows four fields: later pixels blank, the PixelCNN blind spot zero where the Gated PixelCNN sees; keyboard picks too', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, { model: 'test-mnist-pixelcnn', tab: 'rfield', autostart: 0 });
  await waitModel(page, 'test-mnist-pixelcnn');
  await expect(page.getByTestId('rfield-explain')).toContainText('receptive field');
  await expect(page.getByTestId('rfield-pick-image')).toBeVisible();
  await expect(page.getByTestId('rfield-gallery')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId('rfield-gallery-0').click();
  for (const arch of ARCHS) await expect(page.getByTestId(`rfield-panel-${arch}`)).toHaveAttribute('data-model', `test-mnist-${arch}`);

  const [row, col] = [5, 4];
  await clickPixel(page, row, col);
  await expect(page.getByTestId('rfield-status')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  for (const arch of ARCHS) {
    await expect(page.getByTestId(`rfield-panel-${arch}`)).toHaveAttribute('data-status', 'done');
    await expect(page.getByTestId(`rfield-map-${arch}`)).toBeVisible();
  }
  const f = await fields(page);
  expect(f.at).toEqual({ row, col, channel: 0 });
  const byArch = Object.fromEntries(f.panels.map((p) => [p.arch, p]));
  const p = row * S + col;
  for (const arch of ARCHS) {
    const panel = byArch[arch]!;
    expect(panel.error).toBeNull();
    const m = panel.magnitude!;
    expect(m).toHaveLength(S * S);
    // computed in the worker without leaking tensors
    expect(panel.tensors![1], `${arch}: tensors before/after`).toBe(panel.tensors![0]);
    // the pixel and every later one: zero gradient, and blank (transparent) on the page
    expect(m.slice(p).filter((v) => v !== 0), arch).toEqual([]);
    expect(m.slice(0, p).some((v) => v > 0), `${arch} sees something`).toBe(true);
    const px = await canvasPixels(page, arch);
    for (let q = 0; q < S * S; q++) {
      if (q >= p) expect(px[q * 4 + 3], `${arch}: later pixel ${q} is blank`).toBe(0);
      else expect(px[q * 4 + 3], `${arch}: earlier pixel ${q} is drawn`).toBe(255);
    }
    await expect(page.getByTestId(`rfield-map-${arch}`)).toHaveAttribute('data-later-nonzero', '0');
  }
  // The PixelCNN's blind spot: earlier cells above-right with exactly zero gradient that the Gated PixelCNN sees.
  const pc = byArch.pixelcnn!.magnitude!;
  const gated = byArch.gated!.magnitude!;
  const blind: [number, number][] = [];
  for (let y = 0; y < row; y++) for (let x = col + 1; x < S; x++) if (pc[y * S + x] === 0 && gated[y * S + x]! > 0) blind.push([y, x]);
  expect(blind).toContainEqual([row - 1, col + 2]); // the row above, beyond the 3×3 first kernel
  // …and they are grey on the page (an exact zero), coloured in the Gated panel
  const [pcPx, gPx] = [await canvasPixels(page, 'pixelcnn'), await canvasPixels(page, 'gated')];
  const q = (row - 1) * S + col + 2;
  expect(pcPx.slice(q * 4, q * 4 + 3)).toEqual([128, 128, 128]);
  expect(gPx.slice(q * 4, q * 4 + 3)).not.toEqual([128, 128, 128]);
  // The Diagonal BiLSTM sees every earlier pixel but the end of the row above beyond its first kernel.
  const diag = byArch.diagonal!.magnitude!;
  const unseen: number[] = [];
  for (let q2 = 0; q2 < p; q2++) if (diag[q2] === 0) unseen.push(q2);
  expect(unseen.every((u) => Math.floor(u / S) === row - 1 && (u % S) - col >= 2)).toBe(true);
  // The Row LSTM misses the far left of its own row.
  expect(byArch.rowlstm!.magnitude![row * S]).toBe(0);

  // Keyboard: focus the picture, move up one and left one, Enter computes the field there.
  await page.getByTestId('rfield-image').focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await fields(page)).at).toEqual({ row: row - 1, col: col - 1, channel: 0 });
  await expect(page.getByTestId('rfield-status')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  const k = await fields(page);
  for (const panel of k.panels) expect(panel.magnitude!.slice((row - 1) * S + col - 1).every((v) => v === 0)).toBe(true);
});

test('RGB: a colour is picked by a radio button, the same pixel’s earlier colours count; a panel whose model does not fit the picture says so', async ({ page }) => {
  test.setTimeout(180_000);
  await open(page, { model: 'test-emoji-pixelcnn', tab: 'rfield', autostart: 0 });
  await waitModel(page, 'test-emoji-pixelcnn');
  await page.getByTestId('rfield-gallery-1').click();
  await page.getByTestId('rfield-channel-B').check();
  await clickPixel(page, 3, 3);
  await expect(page.getByTestId('rfield-panel-pixelcnn')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('rfield-status')).not.toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  const f = await fields(page);
  expect(f.at).toEqual({ row: 3, col: 3, channel: 2 });
  const pc = f.panels.find((p) => p.arch === 'pixelcnn')!;
  const m = pc.magnitude!;
  expect(m).toHaveLength(S * S * 3);
  const p = (3 * S + 3) * 3 + 2;
  expect(m.slice(p).every((v) => v === 0)).toBe(true);
  expect(m[p - 1]! > 0 || m[p - 2]! > 0).toBe(true); // B sees R and G of its own pixel
  // The other panels: the shipped 32×32 Emoji-32 models do not fit an 8×8 picture (each says so), and
  // untrained weights are marked as such.
  for (const panel of f.panels.filter((x) => x.arch !== 'pixelcnn')) expect(panel.status === 'done' || /draws 32×32/.test(panel.error ?? ''), `${panel.arch}: ${panel.error}`).toBe(true);
});
