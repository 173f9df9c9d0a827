/**
 * What micro-batching costs (src/core/train/trainer.ts, TrainerOptions.microBatch): the fine-tune step of
 * the app (Adam, the shipped model, one batch of its dataset) with the batch computed whole and in chunks of
 * each size, interleaved round by round so that a loaded machine slows every setting alike. Per setting:
 * the median step, images/s, and the median chunk time — how long a Pause or Stop waits at most (plus a
 * message's trip) in the training worker, which yields to its event loop between chunks.
 *
 *   npx tsx scripts/bench-microbatch.ts [--model emoji32-pixelcnn] [--backend wasm] [--batch 8] [--chunks 8,4,3,2] [--rounds 4]
 *
 * The last line printed is one JSON object with every figure.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

interface Options {
  model: string;
  backend: string;
  batch: number;
  chunks: number[];
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', default: 'emoji32-pixelcnn' },
      backend: { type: 'string', default: 'wasm' },
      batch: { type: 'string', default: '8' },
      chunks: { type: 'string', default: '8,4,3,2' },
      rounds: { type: 'string', default: '4' },
    },
  });
  const int = (s: string, name: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${s}"`);
    return n;
  };
  return {
    model: v.model!,
    backend: v.backend!,
    batch: int(v.batch!, 'batch'),
    chunks: v.chunks!.split(',').map((s) => int(s, 'chunks')),
    rounds: int(v.rounds!, 'rounds'),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(o: Options): Promise<void> {
  const backend = await setupNodeBackend(o.backend);
  const { loadModel } = await import('../src/core/io/artifacts');
  const { Trainer, datasetSource } = await import('../src/core/train/index');
  const { fileHandler } = await import('./lib/fileIO');
  const { loadDatasetFromDisk } = await import('./lib/nodeData');
  const dir = path.join('public/models', o.model);
  const { model, card } = await loadModel(fileHandler(dir), path.join(dir, 'model.json'));
  const dataName = card.dataset?.name ?? (model.config.channels === 3 ? 'emoji32' : 'mnist');
  const dataset = await loadDatasetFromDisk(dataName, ['train']);
  // One Trainer per setting on the same model: the weights drift a little between steps, which changes no timing.
  const trainers = o.chunks.map((microBatch) => new Trainer(model, { train: datasetSource(dataset, 'train', { batchSize: o.batch, seed: 1 }) }, { optimizer: 'adam', lr: 1e-5, microBatch }));
  const times = o.chunks.map(() => [] as number[]);
  for (const t of trainers) await t.step(); // warm-up of each chunk shape
  for (let r = 0; r < o.rounds; r++)
    for (let i = 0; i < trainers.length; i++) {
      const t0 = performance.now();
      await trainers[i]!.step();
      times[i]!.push(performance.now() - t0);
    }
  const rows = o.chunks.map((microBatch, i) => {
    const ms = median(times[i]!);
    const chunks = Math.ceil(o.batch / Math.min(microBatch, o.batch));
    return { microBatch, chunks, msPerStep: +ms.toFixed(0), imagesPerSec: +((1000 * o.batch) / ms).toFixed(2), msPerChunk: +(ms / chunks).toFixed(0) };
  });
  for (const r of rows) console.log(`micro-batch ${String(r.microBatch).padStart(2)} (${r.chunks} chunks): ${r.msPerStep} ms/step, ${r.imagesPerSec} images/s, ${r.msPerChunk} ms/chunk`);
  for (const t of trainers) t.dispose();
  model.dispose();
  console.log(JSON.stringify({ model: o.model, backend, batch: o.batch, rounds: o.rounds, rows }));
}

await main(parseOptions(process.argv.slice(2)));
