/**
 * The Content Security Policy covers the workers, and uploads are decoded in a worker: photos whose
 * metadata is larger than 64 KiB and AVIF images are accepted, damaged files still get a clear message.
 * Every file is made in the test: JPEG by the browser's canvas, AV1 by its WebCodecs encoder (wrapped
 * into AVIF by test/app/avif.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { avifFile } from '../test/app/avif';
import { open, waitModel } from './helpers';
import { gradient, truncatedPng } from './images';

/** Another origin that answers every request with CORS and CORP headers, so only a CSP can block a fetch. */
let foreign: Server;
let foreignUrl = '';
const hits: string[] = [];
test.beforeAll(async () => {
  foreign = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin', 'Content-Type': 'text/plain' });
    res.end('leaked');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;
});
test.afterAll(() => new Promise<void>((resolve) => foreign.close(() => resolve())));

async function workerNamed(page: Page, part: string): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => w.url().includes(part)), { message: `a worker whose URL holds ${part}` }).toBe(true);
  return page.workers().find((w) => w.url().includes(part))!;
}

/** What a fetch to another origin does from inside `worker`. */
function fetchFrom(worker: Worker, url: string): Promise<string> {
  return worker.evaluate(async (u) => {
    try {
      return `fetched: ${await (await fetch(u)).text()}`;
    } catch (e) {
      return `blocked: ${(e as Error).message}`;
    }
  }, url);
}

test('the policy is a response header, and each worker is refused a cross-origin fetch', async ({ page }) => {
  // The other origin answers when nothing blocks it (without the header, the workers' fetches below do too).
  const control = await page.context().newPage();
  await control.goto(foreignUrl);
  expect(await control.evaluate((u) => fetch(u).then((r) => r.text()), `${foreignUrl}control`)).toBe('leaked');
  await control.close();
  hits.length = 0;

  const response = await page.goto('./?autostart=0&model=test-mnist-pixelcnn&tab=inpaint');
  expect(response!.headers()['content-security-policy']).toContain("connect-src 'self'");
  await waitModel(page);
  // Each worker starts on its first use: any call starts the training worker (a device to lose, it has none
  // yet); an upload starts the decoding worker.
  await page.evaluate(() => window.__pixelrnn!.loseDevice('trainer'));
  await page.getByTestId('inpaint-upload').setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: gradient(8, 8) });
  await expect(page.getByTestId('mask-editor')).toBeVisible();

  for (const part of ['sample.worker', 'train.worker', 'decode.worker']) {
    const worker = await workerNamed(page, part);
    const script = await page.request.get(worker.url());
    expect(script.headers()['content-security-policy'], `${part}'s own response carries the policy`).toContain("connect-src 'self'");
    expect(await fetchFrom(worker, `${foreignUrl}${part}`), part).toMatch(/^blocked/);
  }
  expect(hits).toEqual([]);
});

/** Browser-made test files: a JPEG and an AV1 key frame of the same 32 × 32 picture. */
async function makeFiles(page: Page): Promise<{ jpeg: Buffer; av1: { frame: Buffer; av1C: Buffer } }> {
  const made = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(32, 32);
    const ctx = canvas.getContext('2d')!;
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        ctx.fillStyle = `rgb(${x * 8}, ${y * 8}, ${x < 16 ? 40 : 220})`;
        ctx.fillRect(x, y, 1, 1);
      }
    const jpeg = Array.from(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer()));
    const chunks: { data: number[]; description: number[] | null }[] = [];
    const encoder = new VideoEncoder({
      output: (chunk, meta) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        const d = meta?.decoderConfig?.description;
        chunks.push({ data: Array.from(data), description: d ? Array.from(new Uint8Array(d instanceof ArrayBuffer ? d : (d as ArrayBufferView).buffer)) : null });
      },
      error: (e) => {
        throw e;
      },
    });
    encoder.configure({ codec: 'av01.0.00M.08', width: 32, height: 32, bitrate: 2_000_000 });
    const frame = new VideoFrame(canvas, { timestamp: 0 });
    encoder.encode(frame, { keyFrame: true });
    frame.close();
    await encoder.flush();
    encoder.close();
    return { jpeg, chunk: chunks[0]! };
  });
  // An AVIF item holds the frame's OBUs without the temporal delimiter (OBU type 2) a video stream starts with.
  let obus = Buffer.from(made.chunk.data);
  if (obus[0] === 0x12 && obus[1] === 0x00) obus = obus.subarray(2);
  const av1C = made.chunk.description ? Buffer.from(made.chunk.description) : Buffer.from([0x81, 0x00, 0x0c, 0x00]);
  return { jpeg: Buffer.from(made.jpeg), av1: { frame: obus, av1C } };
}

/** A JPEG with XMP and extended-XMP segments after its start marker, pushing its frame header past 64 KiB. */
function withMetadata(jpeg: Buffer): Buffer {
  const segment = (id: string, length: number): Buffer => {
    const b = Buffer.alloc(2 + length, 0x20);
    b[0] = 0xff;
    b[1] = 0xe1; // APP1
    b.writeUInt16BE(length, 2);
    b.write(id, 4, 'latin1');
    return b;
  };
  const out = Buffer.concat([jpeg.subarray(0, 2), segment('http://ns.adobe.com/xap/1.0/\0', 65000), segment('http://ns.adobe.com/xmp/extension/\0', 30000), jpeg.subarray(2)]);
  expect(out.indexOf(Buffer.from([0xff, 0xc0]))).toBeGreaterThan(65536);
  return out;
}

const sourcePixels = (page: Page) => page.evaluate(() => Array.from(window.__pixelrnn!.state().inpaint.source ?? []));

test('uploads are decoded in a worker: large photo metadata and AVIF are read, damaged files are named', async ({ page }) => {
  // The page itself cannot decode: only a worker can have produced the pixels below.
  await page.addInitScript(() => {
    window.createImageBitmap = () => Promise.reject(new Error('decoded on the main thread'));
  });
  await open(page, { model: 'test-emoji-pixelcnn', tab: 'inpaint', autostart: 0 });
  await waitModel(page, 'test-emoji-pixelcnn');
  const { jpeg, av1 } = await makeFiles(page);
  const upload = (name: string, mimeType: string, buffer: Buffer) => page.getByTestId('inpaint-upload').setInputFiles({ name, mimeType, buffer });
  const sourceName = () => page.evaluate(() => window.__pixelrnn!.state().inpaint.sourceName);

  await upload('plain.jpg', 'image/jpeg', jpeg);
  await expect.poll(sourceName).toBe('plain.jpg');
  const plain = await sourcePixels(page);
  expect(plain).toHaveLength(8 * 8 * 3);

  // The same picture behind 95 KB of metadata: read, and decoded to the same pixels.
  await upload('phone-photo.jpg', 'image/jpeg', withMetadata(jpeg));
  await expect.poll(sourceName).toBe('phone-photo.jpg');
  await expect(page.getByTestId('inpaint-message')).toHaveCount(0);
  expect(await sourcePixels(page)).toEqual(plain);

  // AVIF: the same picture, lossy, so close to the JPEG's pixels rather than equal.
  await upload('picture.avif', 'image/avif', Buffer.from(avifFile({ width: 32, height: 32, av1C: av1.av1C, frame: av1.frame })));
  await expect.poll(sourceName).toBe('picture.avif');
  const avif = await sourcePixels(page);
  const meanDiff = avif.reduce((s, v, i) => s + Math.abs(v - plain[i]!), 0) / avif.length;
  expect(meanDiff).toBeLessThan(12);

  // A damaged file: refused by name with the reason, from the worker.
  await upload('broken.png', 'image/png', truncatedPng());
  await expect(page.getByTestId('inpaint-message')).toContainText('broken.png: the PNG data could not be decoded');
  expect(await sourceName()).toBe('picture.avif');
  expect(page.workers().some((w) => w.url().includes('decode.worker'))).toBe(true);
});
