import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { formatBits, heatColour, pixelBits } from '../src/canvas/surprise';
import { crc32 } from '../src/core/codec/hash';
import { open, waitModel } from './helpers';

const EMOJI = 'test-emoji-pixelcnn'; // 8×8 RGB, random weights
const MNIST = 'test-mnist-pixelcnn'; // 8×8 binary
const BACKENDS = ['cpu', 'wasm', 'webgpu', 'webgl'];

/** Picks test image `i` in the Compress tab and waits for its file. */
async function compressTestImage(page: Page, i: number) {
  await expect(page.getByTestId('compress-gallery')).toHaveAttribute('data-status', 'ready');
  await page.getByTestId(`compress-gallery-${i}`).click();
  await expect(page.getByTestId('compress-result')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  return page.evaluate(() => {
    const c = window.__pixelrnn!.state().compress;
    const r = c.encode.result!;
    return { source: Array.from(c.source!), file: Array.from(r.file), nllBits: r.nllBits, headerBytes: r.headerBytes, modelBits: Array.from(r.modelBits), backend: r.backend };
  });
}

async function decode(page: Page, name: string, bytes: Uint8Array | Buffer) {
  await page.getByTestId('prnn-upload').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-file', name);
  await expect(page.getByTestId('decode-panel')).not.toHaveAttribute('data-status', 'running', { timeout: 90_000 });
}

test('compress a test image: size beside its NLL, PNG and WebP; download; decode the download back to the same pixels', async ({ page }) => {
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0, backend: 'cpu' });
  await waitModel(page, EMOJI);
  const enc = await compressTestImage(page, 0);
  const dims = 8 * 8 * 3;
  expect(enc.source).toHaveLength(dims);
  expect(enc.backend).toBe('cpu');

  // The file costs the model's NLL plus its header and a few bytes (the coder's tail and 3 CRC bytes).
  const fileBits = 8 * enc.file.length;
  expect(fileBits).toBeGreaterThanOrEqual(enc.nllBits + 8 * enc.headerBytes - 8);
  expect(fileBits).toBeLessThanOrEqual(enc.nllBits + 8 * (enc.headerBytes + 5));
  expect(enc.headerBytes).toBe(30 + EMOJI.length);
  const nll = enc.modelBits.reduce((a, b) => a + b, 0);
  expect(Math.abs(nll - enc.nllBits)).toBeLessThan(1e-6);
  const prnn = page.getByTestId('size-prnn');
  await expect(prnn).toHaveAttribute('data-bytes', String(enc.file.length));
  await expect(prnn).toContainText(String(enc.file.length));
  await expect(prnn).toContainText((fileBits / dims).toFixed(3));
  await expect(page.getByTestId('size-nll')).toContainText((enc.nllBits / dims).toFixed(3));
  // PNG and WebP lossless of the same 8×8 picture, made in the worker.
  for (const id of ['size-png', 'size-webp']) {
    const row = page.getByTestId(id);
    await expect(row).toHaveAttribute('data-bytes', /^\d+$/);
    const bytes = Number(await row.getAttribute('data-bytes'));
    expect(bytes).toBeGreaterThan(20);
    await expect(row).toContainText(((8 * bytes) / dims).toFixed(3));
  }

  // Download: the file saved is the file made.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compress-download').click()]);
  expect(download.suggestedFilename()).toMatch(/\.prnn$/);
  const saved = await readFile((await download.path())!);
  expect(Array.from(saved)).toEqual(enc.file);

  // Decode the downloaded file: it matches, pixel for pixel.
  await decode(page, download.suggestedFilename(), saved);
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('decode-verdict')).toContainText('Matches');
  await expect(page.getByTestId('decode-verdict')).toContainText('identical to the picture compressed above');
  const decoded = await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!));
  expect(decoded).toEqual(enc.source);
  // The decoded picture is drawn: its canvas holds the source's colours.
  const drawn = await page.getByTestId('decoded-image').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, 8, 8).data));
  for (let p = 0; p < 64; p++) expect(drawn.slice(p * 4, p * 4 + 3), `pixel ${p}`).toEqual(enc.source.slice(p * 3, p * 3 + 3));

  // Dropped on the drop zone (drag and drop), the same file decodes the same.
  const dt = await page.evaluateHandle((bytes) => {
    const d = new DataTransfer();
    d.items.add(new File([new Uint8Array(bytes)], 'dropped.prnn'));
    return d;
  }, Array.from(saved));
  await page.getByTestId('prnn-drop').dispatchEvent('drop', { dataTransfer: dt });
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-file', 'dropped.prnn');
  await expect(page.getByTestId('decode-verdict')).toContainText('Matches');

  // A flipped byte inside the coded data: refused as corrupt, and no picture is shown.
  const corrupt = Uint8Array.from(saved);
  corrupt[enc.headerBytes + 3]! ^= 0x10;
  await decode(page, 'corrupt.prnn', corrupt);
  await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'corrupt');
  await expect(page.getByTestId('decode-refusal')).toContainText('corrupt');
  await expect(page.getByTestId('decoded-image')).toHaveCount(0);

  // Cut short: refused as truncated.
  await decode(page, 'short.prnn', saved.subarray(0, saved.length - 7));
  await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'truncated');
  await expect(page.getByTestId('decode-refusal')).toContainText('truncated');

  // A file whose header says wasm (its CRC made valid again): decoded on wasm, the backend the file names.
  // The probabilities there may differ from cpu's in a last bit: then the pixel checksum refuses the result.
  // Either way, never a wrong picture.
  const other = Uint8Array.from(saved);
  const backendAt = 6 + EMOJI.length + 8 + 4 + 2;
  expect(BACKENDS[other[backendAt]! - 1]).toBe('cpu');
  other[backendAt] = BACKENDS.indexOf('wasm') + 1;
  new DataView(other.buffer).setUint32(other.length - 4, crc32(other.subarray(0, other.length - 4)));
  await decode(page, 'wasm.prnn', other);
  const status = await page.getByTestId('decode-panel').getAttribute('data-status');
  if (status === 'done') {
    await expect(page.getByTestId('decode-verdict')).toContainText('on wasm');
    expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(enc.source);
  } else {
    expect(status).toBe('refused');
    await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'checksum');
    await expect(page.getByTestId('decode-refusal')).toContainText('Decoding failed');
  }
});

test('the surprise map has a colour per pixel from its bits, on a labelled scale; a click reads out R + G + B = the pixel\'s bits', async ({ page }) => {
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0 });
  await waitModel(page, EMOJI);
  const enc = await compressTestImage(page, 1);
  // With no ?backend=, the codec worker codes a PixelCNN with the portable JavaScript evaluator, whatever sampling runs on.
  expect(enc.backend).toBe('js');
  const perPixel = Array.from({ length: 64 }, (_, p) => pixelBits(enc.modelBits, 8, 3, Math.floor(p / 8), p % 8).total);
  const map = page.getByTestId('surprise-map');
  const max = Number(await map.getAttribute('data-max'));
  expect(max).toBeGreaterThanOrEqual(Math.max(...perPixel));
  const rgba = await map.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  expect(rgba).toHaveLength(64 * 4);
  for (let p = 0; p < 64; p++) expect(rgba.slice(p * 4, p * 4 + 3), `pixel ${p}: ${perPixel[p]} bits`).toEqual(heatColour(perPixel[p]!, max));
  expect(new Set(perPixel).size).toBeGreaterThan(32); // one value per pixel, not a flat fill
  // The scale is labelled in bits, from 0 to its top.
  const scale = page.getByTestId('surprise-scale');
  await expect(scale).toContainText('bits per pixel');
  await expect(scale).toContainText(formatBits(max));

  // Click pixel (row 5, col 2).
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: (2.5 * box.width) / 8, y: (5.5 * box.height) / 8 } });
  const readout = page.getByTestId('surprise-readout');
  await page.mouse.move(box.x - 20, box.y - 20); // hover off: the picked pixel stays
  await expect(readout).toHaveAttribute('data-row', '5');
  await expect(readout).toHaveAttribute('data-col', '2');
  const want = pixelBits(enc.modelBits, 8, 3, 5, 2);
  const parts = await Promise.all(['R', 'G', 'B'].map(async (c) => Number(await page.getByTestId(`surprise-bits-${c}`).getAttribute('data-bits'))));
  expect(parts).toEqual(want.channels);
  const total = Number(await readout.getAttribute('data-total'));
  expect(Math.abs(parts[0]! + parts[1]! + parts[2]! - total)).toBeLessThan(1e-9);
  expect(Math.abs(total - perPixel[5 * 8 + 2]!)).toBeLessThan(1e-9);
  await expect(page.getByTestId('surprise-bits-total')).toHaveText(`${formatBits(total)} bits`);

  // The keyboard moves the picked pixel too.
  await map.focus();
  await page.keyboard.press('ArrowRight');
  await expect(readout).toHaveAttribute('data-col', '3');
  await expect(readout).toHaveAttribute('data-row', '5');
  expect(Math.abs(Number(await readout.getAttribute('data-total')) - perPixel[5 * 8 + 3]!)).toBeLessThan(1e-9);
});

test('a binary model\'s file round-trips, and another model refuses it by name', async ({ page }) => {
  await open(page, { model: MNIST, tab: 'compress', autostart: 0, backend: 'cpu' });
  await waitModel(page, MNIST);
  const enc = await compressTestImage(page, 0);
  expect(enc.source).toHaveLength(64);
  expect(new Set(enc.source)).toEqual(new Set([0, 1]));
  await decode(page, 'digit.prnn', Uint8Array.from(enc.file));
  await expect(page.getByTestId('decode-verdict')).toContainText('Matches');
  expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(enc.source);

  // The same file with the RGB model loaded: refused, naming the model that made it.
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0, backend: 'cpu' });
  await waitModel(page, EMOJI);
  await decode(page, 'digit.prnn', Uint8Array.from(enc.file));
  await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'model');
  await expect(page.getByTestId('decode-refusal')).toContainText(`Load "${MNIST}"`);
  // One click loads the model the file names and decodes it.
  await page.getByTestId('decode-load-model').click();
  await waitModel(page, MNIST);
  await expect(page.getByTestId('decode-verdict')).toContainText('Matches');
  expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(enc.source);
});

test('on WebGPU an upload is cropped, compressed and decoded back exactly; a decode can be cancelled', async ({ page }) => {
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0, backend: 'webgpu' });
  await waitModel(page, EMOJI);
  const { gradient } = await import('./images');
  await page.getByTestId('compress-upload').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: gradient(40, 32) });
  await expect(page.getByTestId('compress-result')).toHaveAttribute('data-status', 'done', { timeout: 110_000 });
  const r = await page.evaluate(() => {
    const c = window.__pixelrnn!.state().compress;
    return { source: Array.from(c.source!), file: Array.from(c.encode.result!.file), backend: c.encode.result!.backend, name: c.sourceName };
  });
  expect(r.name).toBe('gradient.png');
  expect(r.backend).toBe('webgpu');
  await decode(page, 'gradient.prnn', Uint8Array.from(r.file));
  await expect(page.getByTestId('decode-verdict')).toContainText('on webgpu');
  await expect(page.getByTestId('decode-verdict')).toContainText('identical');
  expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(r.source);

  // Cancel mid-decode: the decode stops and says so.
  await page.getByTestId('prnn-upload').setInputFiles({ name: 'again.prnn', mimeType: 'application/octet-stream', buffer: Buffer.from(r.file) });
  await expect(page.getByTestId('decode-progress')).toBeVisible();
  await page.getByTestId('decode-cancel').click();
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-status', 'cancelled');
});

test('at 390 px wide (a phone) the tab, its surprise map and its table fit the page', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0, backend: 'cpu' });
  await waitModel(page, EMOJI);
  await compressTestImage(page, 2);
  await decode(page, 'x.prnn', Buffer.from([1, 2, 3])); // a refusal message shows too
  await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'not-prnn');
  const wide = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(wide.doc).toBeLessThanOrEqual(wide.view);
  // The map scales down whole (square), and a click still lands on the pixel under the pointer.
  const map = page.getByTestId('surprise-map');
  const box = (await map.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(Math.abs(box.width - box.height)).toBeLessThan(1);
  await map.click({ position: { x: (6.5 * box.width) / 8, y: (1.5 * box.height) / 8 } });
  await expect(page.getByTestId('surprise-readout')).toHaveAttribute('data-row', '1');
  await expect(page.getByTestId('surprise-readout')).toHaveAttribute('data-col', '6');
});

test('a file of several pictures (format version 2) decodes them all, each checked; a cut one gives back its whole pictures and says what is lost', async ({ page }) => {
  await open(page, { model: EMOJI, tab: 'compress', autostart: 0, backend: 'cpu' });
  await waitModel(page, EMOJI);
  const a = await compressTestImage(page, 0);
  const b = await compressTestImage(page, 1);
  // The two files made here, put in one (as npm run codec -- encode a.png b.png all.prnn writes it)
  const { readFile: parse, writeFileV2 } = await import('../src/core/codec/format');
  const [pa, pb] = [parse(Uint8Array.from(a.file)), parse(Uint8Array.from(b.file))];
  const { images: _, version: __, ...shared } = pa.header;
  const both = writeFileV2(shared, [pa.images[0]!, pb.images[0]!]);
  expect(both.length).toBeLessThan(a.file.length + b.file.length - 30);

  await decode(page, 'both.prnn', both);
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-status', 'done');
  const verdict = page.getByTestId('decode-verdict');
  await expect(verdict).toHaveAttribute('data-count', '2');
  await expect(verdict).toContainText('2 pictures decoded');
  await expect(verdict).toContainText('One of them is identical to the picture compressed above');
  const state = await page.evaluate(() => {
    const d = window.__pixelrnn!.state().compress.decode;
    return { image: Array.from(d.image!), count: d.count };
  });
  expect(state.count).toBe(2);
  expect(state.image).toEqual([...a.source, ...b.source]);

  // Cut inside the second picture: the first, stored whole, is still decoded (and checked), and the loss is said
  await decode(page, 'cut.prnn', both.subarray(0, both.length - 20));
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-status', 'done');
  const lost = page.getByTestId('decode-truncated');
  await expect(lost).toHaveAttribute('data-total', '2');
  await expect(lost).toContainText('ends inside image 2 of 2');
  await expect(lost).toContainText('the other 1 of its 2 are lost');
  await expect(page.getByTestId('decode-verdict')).toContainText('pixels match the checksum');
  const first = await page.evaluate(() => {
    const d = window.__pixelrnn!.state().compress.decode;
    return { image: Array.from(d.image!), count: d.count };
  });
  expect(first).toEqual({ image: a.source, count: 1 });
  // Cut inside the first: nothing whole to show, refused
  const second = pb.images[0]!.payload.length;
  const endOfFirst = both.length - 4 - (second + 1 + (second < 128 ? 1 : 2));
  await decode(page, 'cut1.prnn', both.subarray(0, endOfFirst - 3));
  await expect(page.getByTestId('decode-refusal')).toHaveAttribute('data-kind', 'truncated');
  await expect(page.getByTestId('decode-refusal')).toContainText('ends inside image 1 of 2');
  await expect(page.getByTestId('decode-truncated')).toHaveCount(0);
});

for (const id of [MNIST, 'test-mnist-rowlstm']) {
  test(`on WebGPU, ${id} round-trips a test image exactly`, async ({ page }) => {
    await open(page, { model: id, tab: 'compress', autostart: 0, backend: 'webgpu' });
    await waitModel(page, id);
    const enc = await compressTestImage(page, 3);
    expect(enc.backend).toBe('webgpu');
    await decode(page, 'w.prnn', Uint8Array.from(enc.file));
    await expect(page.getByTestId('decode-verdict')).toContainText('Matches');
    expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(enc.source);
  });
}

test('a shipped PixelCNN codes with the portable JavaScript evaluator: the same bytes as in Node, decoded back; a decode can be cancelled', async ({ page }) => {
  const ID = 'emoji32-pixelcnn';
  await open(page, { model: ID, tab: 'compress', autostart: 0 });
  await waitModel(page, ID);
  const enc = await compressTestImage(page, 0);
  expect(enc.backend).toBe('js');
  expect(enc.source).toHaveLength(32 * 32 * 3);
  await expect(page.getByTestId('compress-detail')).toContainText('portable JavaScript evaluator');

  // The command line (Node), with the same model and pixels, writes the very same file: the evaluator's
  // arithmetic is the same in Chromium's worker and in Node (whatever tfjs backend holds the weights).
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { execFile } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { png } = await import('./images');
  const dir = await mkdtemp(join(tmpdir(), 'prnn-'));
  await writeFile(join(dir, 'in.png'), png(32, 32, (x, y) => [...(enc.source.slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3) as [number, number, number]), 255]));
  const out = await new Promise<string>((resolve, reject) =>
    execFile('npx', ['tsx', 'scripts/codec.ts', 'encode', join(dir, 'in.png'), join(dir, 'out.prnn'), '--model', ID], (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))),
  );
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toMatchObject({ backend: 'js', bytes: enc.file.length });
  expect(Array.from(await readFile(join(dir, 'out.prnn')))).toEqual(enc.file);

  await decode(page, 'emoji.prnn', Uint8Array.from(enc.file));
  await expect(page.getByTestId('decode-verdict')).toContainText('by the portable JavaScript evaluator');
  await expect(page.getByTestId('decode-verdict')).toContainText('identical');
  expect(await page.evaluate(() => Array.from(window.__pixelrnn!.state().compress.decode.image!))).toEqual(enc.source);
  const ms = await page.evaluate(() => {
    const c = window.__pixelrnn!.state().compress;
    return { encode: Math.round(c.encode.result!.ms), decode: Math.round(c.decode.ms) };
  });
  console.log(`${ID} in Chromium's codec worker (JavaScript evaluator): encode ${ms.encode} ms, decode ${ms.decode} ms`);

  // Cancel mid-decode: the evaluator lets the worker's messages through, so the decode stops and says so.
  await page.getByTestId('prnn-upload').setInputFiles({ name: 'again.prnn', mimeType: 'application/octet-stream', buffer: Buffer.from(enc.file) });
  await expect(page.getByTestId('decode-progress')).toBeVisible();
  await page.getByTestId('decode-cancel').click();
  await expect(page.getByTestId('decode-panel')).toHaveAttribute('data-status', 'cancelled');
});
