/**
 * Backend set-up for Node (tests and command-line tools). 'cpu' is tfjs's JavaScript backend; 'wasm' its
 * WebAssembly backend (many times faster on a CPU; it trains thanks to src/core/layers/convGrad.ts); 'webgpu' runs
 * tfjs-backend-webgpu on Dawn from the `webgpu` npm package: on a machine without a GPU, point Vulkan at
 * a software driver, e.g. VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (DESIGN.md).
 */
export async function setupNodeBackend(name: string): Promise<string> {
  if (name === 'webgpu') {
    // navigator.gpu must exist before tfjs-backend-webgpu is imported.
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const g = globalThis as unknown as { navigator?: Record<string, unknown> };
    if (!g.navigator) g.navigator = {};
    Object.defineProperty(g.navigator, 'gpu', { value: create([]), configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const tf = await import('@tensorflow/tfjs');
  if (!['cpu', 'wasm', 'webgpu'].includes(name)) throw new Error(`Unknown backend "${name}": use cpu, wasm or webgpu`);
  const ok = await tf.setBackend(name);
  if (!ok)
    throw new Error(
      `Could not start the tfjs ${name} backend` +
        (name === 'webgpu'
          ? ': Dawn found no usable Vulkan adapter. Without a GPU, use a software one: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json'
          : ''),
    );
  await tf.ready();
  // tfjs-backend-cpu advertises tfjs-node (which cannot install here) on first use: once is enough.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return tf.getBackend();
}
