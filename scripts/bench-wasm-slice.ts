/**
 * Why the project replaces tfjs-wasm's Slice kernel (src/core/train/cpuKernels.ts): the time to unstack the
 * skewed input-to-state map of one Diagonal BiLSTM direction of the small Emoji model ([63,8,32,96]) into
 * its 63 columns, with tfjs-wasm's Slice and with the project's.   npx tsx scripts/bench-wasm-slice.ts
 */
await import('@tensorflow/tfjs-backend-wasm');
const tf = await import('@tensorflow/tfjs');
await tf.setBackend('wasm');
const { installFastWasmSlice } = await import('../src/core/train/cpuKernels');
const x = tf.randomNormal([63, 8, 32, 96]);
const time = async () => {
  const t0 = performance.now();
  const cols = tf.unstack(x);
  await cols[62]!.data();
  const ms = performance.now() - t0;
  tf.dispose(cols);
  return ms;
};
const figures: Record<string, number> = {};
for (const label of ['tfjs', 'project']) {
  if (label === 'project') installFastWasmSlice();
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) ts.push(await time());
  figures[label] = +ts.sort((a, b) => a - b)[2]!.toFixed(1);
  console.log(`unstack [63,8,32,96] on wasm, ${label} Slice: median of 5 ${figures[label]} ms`);
}
console.log(JSON.stringify({ bench: 'wasm-slice', msTfjs: figures.tfjs, msProject: figures.project }));
export {};
