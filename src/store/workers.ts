/**
 * The two workers' lifecycles: created on first use, reported to the store when they crash or lose
 * their GPU device, and restartable (a fresh worker starts its backend again; saved models stay in
 * IndexedDB, so nothing is lost).
 */
import type { SamplerApi, TrainerApi } from '../worker/protocol';
import { WorkerClient, type Notice } from '../worker/rpc';
import type { WorkerName } from './state';
import { setState } from './store';

let sampler: WorkerClient<SamplerApi> | null = null;
let trainer: WorkerClient<TrainerApi> | null = null;

function report(worker: WorkerName, kind: 'crash' | 'deviceLost', message: string): void {
  setState((s) => ({ faults: [...s.faults.filter((f) => f.worker !== worker), { worker, kind, message }] }));
}

function onNotice(worker: WorkerName): (n: Notice) => void {
  return (n) => {
    if (n.type === 'deviceLost') report(worker, 'deviceLost', n.message);
    else if (n.type === 'gpuError') console.warn(`[${worker}] GPU error: ${n.message}`);
    else if (n.type === 'error') console.warn(`[${worker}] uncaught error (the worker carries on): ${n.message}`);
    else console.info(`[${worker}] ${n.message}`);
  };
}

export function samplerClient(): WorkerClient<SamplerApi> {
  if (!sampler) {
    const w = new Worker(new URL('../worker/sample.worker.ts', import.meta.url), { type: 'module', name: 'sampler' });
    sampler = new WorkerClient<SamplerApi>(w, onNotice('sampler'), (m) => report('sampler', 'crash', m));
  }
  return sampler;
}

export function trainerClient(): WorkerClient<TrainerApi> {
  if (!trainer) {
    const w = new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
    trainer = new WorkerClient<TrainerApi>(w, onNotice('trainer'), (m) => report('trainer', 'crash', m));
  }
  return trainer;
}

/** Ends a worker for good; the next call to its client starts a fresh one. */
export function dropWorker(worker: WorkerName): void {
  if (worker === 'sampler') {
    sampler?.terminate();
    sampler = null;
  } else {
    trainer?.terminate();
    trainer = null;
  }
  setState((s) => ({ faults: s.faults.filter((f) => f.worker !== worker) }));
}
