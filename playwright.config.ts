import { defineConfig } from '@playwright/test';

/**
 * e2e against the production build in real Chromium. WebGPU there is SwiftShader (a CPU implementation):
 * correct and slow, so the specs use the tiny 8 × 8 models of e2e/fixtures/make-models.ts.
 * CHROMIUM_PATH overrides the browser (never `playwright install` here).
 */
const PORT = Number(process.env.E2E_PORT ?? 4317);
// One build per port, so that runs on different ports (E2E_PORT) never serve each other's build.
const CACHE = `node_modules/.cache/pixelrnn-e2e${process.env.E2E_PORT ? `-${PORT}` : ''}`;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const common = ['--no-sandbox', '--disable-gpu-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'webgpu',
      testIgnore: /fallback\.spec\.ts/,
      use: { launchOptions: { executablePath, args: [...common, '--enable-unsafe-webgpu'] } },
    },
    {
      // Without --enable-unsafe-webgpu headless Chromium has no WebGPU adapter: the app must fall back.
      name: 'no-webgpu',
      testMatch: /fallback\.spec\.ts/,
      use: { launchOptions: { executablePath, args: common } },
    },
  ],
  webServer: {
    command:
      `npx tsx e2e/fixtures/make-models.ts ${CACHE}/models && ` +
      `PIXELRNN_E2E_MODELS=${CACHE}/models npx vite build --outDir ${CACHE}/dist --emptyOutDir --logLevel warn && ` +
      `npx vite preview --outDir ${CACHE}/dist --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
