/**
 * Uploads are decoded in a worker (src/worker/decode.worker.ts), so the page only draws: a large photo's
 * decode and resize never blocks it. The File travels by reference (a Blob is not copied by
 * postMessage); the pixels come back transferred. The worker starts on the first upload and stays; if it
 * dies, the upload in flight is reported by name and the next one starts a fresh worker.
 */
import type { DecoderApi } from '../worker/protocol';
import { WorkerClient, WorkerGoneError } from '../worker/rpc';
import type { Decoded, InputShape } from './decodeImage';

export type { Decoded, InputShape } from './decodeImage';

let client: WorkerClient<DecoderApi> | null = null;

function decoder(): WorkerClient<DecoderApi> {
  if (!client) {
    const w = new Worker(new URL('../worker/decode.worker.ts', import.meta.url), { type: 'module', name: 'decoder' });
    client = new WorkerClient<DecoderApi>(
      w,
      (n) => console.info(`[decoder] ${n.message}`),
      () => undefined, // reported per file, below
    );
  }
  return client;
}

export async function decodeFile(file: File, shape: InputShape): Promise<Decoded> {
  const name = file.name || 'unnamed file';
  try {
    return await decoder().call('decode', { file, name, shape });
  } catch (e) {
    if (e instanceof WorkerGoneError) {
      client?.terminate();
      client = null;
    }
    return { ok: false, name, message: `${name}: could not be read (${(e as Error).message})` };
  }
}
