/**
 * Switching backends (src/gpu/backend.ts `useBackend`) when two callers ask at once, as the training
 * worker does when a fine-tune starts while the Fine-tune tab asks for its from-scratch sizes. tfjs names
 * a backend at once but starts wasm and WebGPU asynchronously; a caller that saw the name and returned
 * early ran its ops on a backend still starting ("Backend 'wasm' has not yet been initialized"). Here a
 * backend registered for the test starts asynchronously, like wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/gpu/backend';
import type { BackendName } from '../../src/gpu/names';

const SLOW = 'slow-start' as BackendName;
const before = tf.getBackend();
let starts = 0;
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: SLOW }); // the cpu kernels, under its name
tf.registerBackend(SLOW, async () => {
  starts++;
  await new Promise((r) => setTimeout(r, 50));
  return new MathBackendCPU();
});

afterAll(async () => {
  await tf.setBackend(before);
  tf.removeBackend(SLOW);
  for (const k of tf.getKernelsForBackend(SLOW)) tf.unregisterKernel(k.kernelName, SLOW);
});

describe('useBackend', () => {
  it('a second call while the first is still starting the same backend waits for it: its ops run', async () => {
    const first = useBackend(SLOW);
    await useBackend(SLOW);
    expect(tf.getBackend()).toBe(SLOW);
    const t = tf.add(tf.scalar(1), tf.scalar(2)); // threw "has not yet been initialized" before the fix
    expect(await t.data()).toEqual(new Float32Array([3]));
    t.dispose();
    await first;
    expect(starts).toBe(1);
  });

  it('a failed switch does not block the next one', async () => {
    await expect(useBackend('no-such-backend' as BackendName)).rejects.toThrow(/no-such-backend/);
    await useBackend(before as BackendName);
    expect(tf.getBackend()).toBe(before);
  });
});
