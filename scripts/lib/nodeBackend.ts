/**
 * Backend set-up for Node (tests and command-line tools). 'cpu' is tfjs's JavaScript backend; 'webgpu' runs
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
  const tf = await import('@tensorflow/tfjs');
  // tfjs-backend-cpu prints an advert for tfjs-node (which cannot install here) unless IS_TEST is set.
  tf.env().set('IS_TEST', true);
  if (name !== 'cpu' && name !== 'webgpu') throw new Error(`Unknown backend "${name}": use cpu or webgpu`);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`Could not start the tfjs ${name} backend`);
  await tf.ready();
  return tf.getBackend();
}
