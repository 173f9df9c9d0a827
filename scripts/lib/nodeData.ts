import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset, type Dataset } from '../../src/core/data/dataset';
import type { Split } from '../../src/core/data/manifest';

/** The prepared datasets the command-line tools know, under public/data/ relative to the working directory. */
export const DATASETS = ['mnist', 'emoji32', 'emoji64'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Loads public/data/<name>/ (only `splits`) with fs, checking sizes and checksums. */
export async function loadDatasetFromDisk(name: string, splits: Split[], root = path.join('public', 'data')): Promise<Dataset> {
  if (!(DATASETS as readonly string[]).includes(name)) throw new Error(`Unknown dataset "${name}": use ${DATASETS.join(' or ')}`);
  const base = path.join(root, name);
  const fetchBytes = async (p: string) => {
    try {
      const b = await fs.readFile(p);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new Error(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (build the datasets first: npx tsx scripts/build-data.ts)' : (e as Error).message}`);
    }
  };
  return loadDataset(fetchBytes, base, { splits });
}

/** What the numbers were measured on: CPU, cores, memory, OS, Node, tfjs backend and, for WebGPU, the adapter. */
export async function hardwareInfo(): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  const info: Record<string, unknown> = {
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
  if (tf.getBackend() === 'webgpu') {
    try {
      const gpu = (globalThis as unknown as { navigator?: { gpu?: GPU } }).navigator?.gpu;
      const adapter = await gpu?.requestAdapter();
      const a = adapter?.info;
      if (a) info.gpu = { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description };
    } catch {
      info.gpu = 'unknown';
    }
  }
  return info;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
