/**
 * What a person waits for, measured on the production build with the shipped models in Chromium
 * (`npm run measure:app`; last line: JSON):
 *   1) a first visit (nothing cached): page open → first sub-pixel drawn, and → 8 Emoji-32 PixelCNN
 *      samples finished; the same again on a second visit (the calibration is then cached);
 *   2) fine-tuning the Emoji-32 PixelCNN at batch 8: images/s over steps after the first, and how long
 *      Pause and Stop take to take effect after the click;
 *   3) screenshots of the first view, the finished samples and the fine-tune tab.
 *
 * Options: --skip-build (reuse the last build), --dist DIR (a build to serve; default
 * node_modules/.cache/pixelrnn-measure/dist), --port N, --out DIR (screenshots; default
 * node_modules/.cache/pixelrnn-measure/shots), --steps N (fine-tune steps timed, default 6).
 * CHROMIUM_PATH overrides /usr/bin/chromium. On a machine without a GPU, WebGPU is SwiftShader.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { PNG } from 'pngjs';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : d;
};
const PORT = Number(opt('port', '4318'));
const CACHE = 'node_modules/.cache/pixelrnn-measure';
const DIST = opt('dist', join(CACHE, 'dist'));
const SHOTS = resolve(opt('out', join(CACHE, 'shots')));
const TRAIN_STEPS = Number(opt('steps', '6'));
const BASE = `http://127.0.0.1:${PORT}/`;

function build(): void {
  if (args.includes('--skip-build')) return;
  console.log(`building the production app into ${DIST} …`);
  const r = spawnSync('npx', ['vite', 'build', '--outDir', DIST, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

async function serve(): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--outDir', DIST, '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore' });
  // Up to 3 minutes: on a loaded machine the server itself is slow to start.
  for (let i = 0; i < 900; i++) {
    try {
      if ((await fetch(BASE)).ok) return p;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  p.kill();
  throw new Error(`vite preview did not answer on ${BASE}`);
}

interface Visit {
  url: string;
  model: string;
  backend: string;
  how: string;
  reason: string;
  /** Page open → the first frame with a sub-pixel drawn reached the page's state (drawn at the next animation frame). */
  firstSubpixelSec: number;
  /** Page open → all images finished. */
  samplesDoneSec: number;
  count: number;
  subPixelsPerSec: number;
}

async function visit(page: Page, url: string, shot?: string): Promise<Visit> {
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => (window.__pixelrnn?.state().sample.done ?? 0) > 0, null, { timeout: 120_000, polling: 'raf' });
  const first = (Date.now() - t0) / 1000;
  if (shot) await page.screenshot({ path: join(SHOTS, `${shot}-first-subpixel.png`), fullPage: true });
  await page.waitForFunction(() => window.__pixelrnn?.state().sample.status === 'done', null, { timeout: 300_000, polling: 100 });
  const done = (Date.now() - t0) / 1000;
  if (shot) await page.screenshot({ path: join(SHOTS, `${shot}-samples-done.png`), fullPage: true });
  const s = await page.evaluate(() => {
    const st = window.__pixelrnn!.state();
    return { model: st.model.id ?? '', backend: st.backend.sampling?.name ?? '', how: st.backend.sampling?.how ?? '', reason: st.backend.sampling?.reason ?? '', count: st.sample.count, rate: st.sample.subPixelsPerSecond };
  });
  return { url, model: s.model, backend: s.backend, how: s.how, reason: s.reason, firstSubpixelSec: first, samplesDoneSec: done, count: s.count, subPixelsPerSec: s.rate };
}

/** Emoji-like 32×32 PNGs: a coloured disc on white, at a few sizes and colours. */
function uploads(n: number): { name: string; mimeType: string; buffer: Buffer }[] {
  return Array.from({ length: n }, (_, k) => {
    const p = new PNG({ width: 32, height: 32 });
    const r = 6 + (k % 5) * 2;
    const colour = [(k * 97) % 256, (k * 57 + 80) % 256, (k * 151 + 30) % 256];
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const o = (y * 32 + x) * 4;
        const inside = (x - 15.5) ** 2 + (y - 15.5) ** 2 < r * r;
        p.data[o] = inside ? colour[0]! : 255;
        p.data[o + 1] = inside ? colour[1]! : 255;
        p.data[o + 2] = inside ? colour[2]! : 255;
        p.data[o + 3] = 255;
      }
    return { name: `disc-${k}.png`, mimeType: 'image/png', buffer: PNG.sync.write(p) };
  });
}

interface FineTune {
  backend: string;
  reason: string;
  batch: number;
  /** 8 × steps ÷ seconds, over the steps after the first (which includes the start-up). */
  imagesPerSec: number;
  timedSteps: number;
  msPerStep: number;
  /** Click → the worker confirmed ("Paused after step N"). */
  pauseSec: number;
  /** Click → "Stopped after step N" (no step after it). */
  stopSec: number;
  stepsAfterStop: number;
}

async function fineTune(page: Page): Promise<FineTune> {
  await page.goto(`${BASE}?model=emoji32-pixelcnn&tab=finetune&autostart=0`);
  await page.waitForFunction(() => window.__pixelrnn?.state().model.status === 'ready', null, { timeout: 120_000 });
  await page.getByTestId('train-upload').setInputFiles(uploads(12));
  await page.getByTestId('ft-name').fill('measure');
  await page.getByTestId('ft-steps').fill(String(TRAIN_STEPS + 50));
  const stepAt = () => page.evaluate(() => window.__pixelrnn!.state().finetune.step);
  await page.getByTestId('train').click();
  // Timed from the end of step 1 (model load, calibration and the first held-out evaluation are before it).
  await page.waitForFunction(() => window.__pixelrnn!.state().finetune.step >= 1, null, { timeout: 600_000, polling: 50 });
  const t1 = Date.now();
  const s1 = await stepAt();
  await page.waitForFunction((n) => window.__pixelrnn!.state().finetune.step >= n, s1 + TRAIN_STEPS, { timeout: 600_000, polling: 50 });
  const steps = (await stepAt()) - s1;
  const sec = (Date.now() - t1) / 1000;
  // Evaluations every 10 steps fall inside the timed span; they are part of what a person waits for.
  const batch = await page.evaluate(() => window.__pixelrnn!.state().finetune.batchSize);
  const ft = await page.evaluate(() => window.__pixelrnn!.state().trainerBackend);
  await page.screenshot({ path: join(SHOTS, 'finetune.png'), fullPage: true });

  let t = Date.now();
  await page.getByTestId('pause').click();
  await page.getByTestId('finetune-message').filter({ hasText: /Paused after step/ }).waitFor({ timeout: 120_000 });
  const pauseSec = (Date.now() - t) / 1000;
  await page.getByTestId('pause').click();
  const resumedAt = await stepAt();
  await page.waitForFunction((n) => window.__pixelrnn!.state().finetune.step > n, resumedAt, { timeout: 120_000, polling: 50 });
  t = Date.now();
  await page.getByTestId('stop-training').click();
  await page.getByTestId('finetune-message').filter({ hasText: /Stopped after step/ }).waitFor({ timeout: 120_000 });
  const stopSec = (Date.now() - t) / 1000;
  const stoppedAt = await stepAt();
  await page.waitForFunction(() => ['stopped', 'done', 'error'].includes(window.__pixelrnn!.state().finetune.status), null, { timeout: 300_000 });
  return {
    backend: ft?.name ?? '',
    reason: ft?.reason ?? '',
    batch,
    imagesPerSec: (steps * batch) / sec,
    timedSteps: steps,
    msPerStep: (1000 * sec) / steps,
    pauseSec,
    stopSec,
    stepsAfterStop: (await stepAt()) - stoppedAt,
  };
}

async function main(): Promise<void> {
  build();
  mkdirSync(SHOTS, { recursive: true });
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu-sandbox', '--no-first-run', '--enable-unsafe-webgpu'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // 1) The page as a newcomer opens it, then the Emoji-32 PixelCNN explicitly, each on a first visit.
    const home = await visit(page, BASE, 'home');
    console.log(`home page, first visit: ${JSON.stringify(home)}`);
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p2 = await fresh.newPage();
    const first = await visit(p2, `${BASE}?model=emoji32-pixelcnn&count=8`, 'emoji32-pixelcnn');
    console.log(`Emoji-32 PixelCNN, 8 images, first visit: ${JSON.stringify(first)}`);
    const again = await visit(p2, `${BASE}?model=emoji32-pixelcnn&count=8`);
    console.log(`Emoji-32 PixelCNN, 8 images, second visit (calibration cached): ${JSON.stringify(again)}`);
    // 2) Fine-tuning.
    const ft = await fineTune(p2);
    console.log(`fine-tune: ${JSON.stringify(ft)}`);
    console.log(`screenshots in ${SHOTS}`);
    const summary = {
      firstSubpixelSec: first.firstSubpixelSec,
      eightSamplesSec: first.samplesDoneSec,
      firstSubpixelSecCached: again.firstSubpixelSec,
      eightSamplesSecCached: again.samplesDoneSec,
      homeModel: home.model,
      samplingBackend: first.backend,
      subPixelsPerSec: first.subPixelsPerSec,
      fineTuneImagesPerSec: ft.imagesPerSec,
      fineTuneBackend: ft.backend,
      msPerStep: ft.msPerStep,
      pauseSec: ft.pauseSec,
      stopSec: ft.stopSec,
      targets: { firstSubpixelSec: 5, eightSamplesSec: 15, fineTuneImagesPerSec: 3, pauseStopSec: 2 },
    };
    console.log(JSON.stringify(summary));
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
