import { defineConfig } from 'vitest/config';

// Unit tests run in Node on the tfjs cpu backend; TFJS_BACKEND=webgpu runs the same suite on WebGPU
// through Dawn (the `webgpu` npm package): see test/setup.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
