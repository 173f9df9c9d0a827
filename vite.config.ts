import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The e2e build (PIXELRNN_E2E_MODELS=<folder>) copies the tiny test models made by e2e/fixtures/make-models.ts
 * into dist-e2e/models/ and appends them to models/index.json, so the production build never ships them.
 */
function e2eModels(dir: string | undefined): Plugin {
  return afterBuild('pixelrnn-e2e-models', (outDir) => {
    if (!dir) return;
    const out = join(outDir, 'models');
    const src = resolve(dir);
    cpSync(src, out, { recursive: true, filter: (p) => !p.endsWith('index.json') });
    const read = (p: string): { models: unknown[] } =>
      existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { models: unknown[] }) : { models: [] };
    const shipped = read(join(out, 'index.json'));
    const fixtures = read(join(src, 'index.json'));
    writeFileSync(join(out, 'index.json'), JSON.stringify({ format: 'pixelrnn-lab-models/1', models: [...shipped.models, ...fixtures.models] }, null, 1));
  });
}

/** A build-only plugin that runs `done(outDir)` once the build (public/ included) is written. */
function afterBuild(name: string, done: (outDir: string) => void): Plugin {
  let outDir = 'dist';
  return {
    name,
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      done(outDir);
    },
  };
}

/**
 * Data files of public/ that the app never fetches: Emoji-64's training and validation splits (81 MB) are read
 * only by the trainers (the app fine-tunes a 64×64 model on uploads only, and trains from scratch only for
 * MNIST and Emoji-32), so the build leaves them out. Its manifest and test split (8 MB) stay: the Inpaint and
 * Compress galleries of a 64×64 model show its test images.
 */
export const BUILD_EXCLUDED_DATA = ['train-rgb.u8', 'train-labels.u8', 'val-rgb.u8', 'val-labels.u8'].map((f) => `data/emoji64/${f}`);

function dropUnreadData(): Plugin {
  return afterBuild('pixelrnn-drop-unread-data', (outDir) => {
    for (const rel of BUILD_EXCLUDED_DATA) rmSync(join(outDir, rel), { recursive: true, force: true });
  });
}

/**
 * Images never leave the browser: the page and its workers may only talk to their own origin (DESIGN.md).
 * A worker loaded from a URL is governed by the policy of its own response, not by the page's, so the
 * policy is a response header on every file (dev and preview servers below; a static host must send it
 * too: README, "Speed in the browser"). The build also carries it as a meta tag, which covers the page
 * alone on a host that sends no header.
 */
export const CSP = [
  "default-src 'self'",
  // blob: for tfjs-wasm's threads, which load their code with importScripts(blob:) (a blob URL is made by
  // this origin's own code: it lets in no other origin's).
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' blob: data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The dev server's React refresh preamble is an inline script: allowed there, and only there. */
const DEV_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");

function contentSecurityPolicy(): Plugin {
  return {
    name: 'pixelrnn-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

const NO_COMPRESS = { compress: false, mangle: true };

export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), e2eModels(process.env.PIXELRNN_E2E_MODELS), dropUnreadData()],
  // Relative base: the built app works from any folder of a static server.
  base: './',
  worker: {
    format: 'es',
    // No compression in the workers: tfjs-wasm hands its threaded module to each wasm thread as source text
    // (Function.toString), and the compressor turns its `typeof _scriptDir !== "undefined"` guard into a bare
    // reference, which throws "is not defined" in those threads. Identifiers are still mangled.
    rolldownOptions: { output: { minify: NO_COMPRESS } },
  },
  // Two pages: the app, and the sampling benchmark (bench.html) that reports npm run bench:sample's figures.
  // The bench page runs tfjs-wasm on its main thread: the same minification as the workers (see above).
  build: { target: 'es2022', chunkSizeWarningLimit: 4000, rolldownOptions: { input: { main: 'index.html', bench: 'bench.html' }, output: { minify: NO_COMPRESS } } },
  // Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, so tfjs-wasm runs threads; the
  // CSP keeps the page and its workers on this origin. A static host must send the same three headers with
  // every file (README, "Speed in the browser").
  server: { host: '127.0.0.1', headers: { ...ISOLATION, 'Content-Security-Policy': DEV_CSP } },
  preview: { host: '127.0.0.1', headers: { ...ISOLATION, 'Content-Security-Policy': CSP } },
});
