import { expect, type Page } from '@playwright/test';

/** Opens the app with URL parameters (e.g. { model: 'test-mnist-pixelcnn', seed: 3 }). */
export async function open(page: Page, params: Record<string, string | number> = {}): Promise<void> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  await page.goto(`./?${q}`);
}

export async function waitModel(page: Page, id?: string): Promise<void> {
  const status = page.getByTestId('model-status');
  await expect(status).toHaveAttribute('data-status', 'ready');
  if (id) await expect(status).toHaveAttribute('data-model', id);
}

/** Waits until the Sample tab's run is finished and returns its pixels. */
export async function samplePixels(page: Page): Promise<number[]> {
  await expect(page.getByTestId('samples')).toHaveAttribute('data-status', 'done');
  return page.evaluate(() => Array.from(window.__pixelrnn!.state().sample.images ?? []));
}

/** Logs every request that leaves the page's origin (blob: and data: stay in the browser). */
export function watchRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  const check = (url: string) => {
    if (url.startsWith('blob:') || url.startsWith('data:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  };
  page.on('request', (r) => check(r.url()));
  page.on('websocket', (ws) => check(ws.url()));
  page.on('worker', (w) => check(w.url()));
  return foreign;
}
