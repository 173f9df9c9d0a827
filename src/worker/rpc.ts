/**
 * A small typed request/reply protocol over postMessage, shared by the page and the workers.
 *
 * An API is a map of methods, each with its `args`, its final `result` and the `event`s it streams while
 * it runs (progress, frames). Messages are one discriminated union each way; buffers are transferred.
 *   page → worker: { kind: 'call', id, method, args } | { kind: 'cancel', id }
 *   worker → page: { kind: 'event', id, event } | { kind: 'result', id, value } | { kind: 'error', id, message }
 *                  | { kind: 'notice', notice }   (unsolicited: device lost, uncaught errors)
 */

export interface Method<A, R, E = never> {
  args: A;
  result: R;
  event: E;
}
export type Api = Record<string, Method<unknown, unknown, unknown>>;

export type Notice = { type: 'deviceLost'; message: string } | { type: 'gpuError'; message: string } | { type: 'log'; message: string };

export type ToWorker<A extends Api> =
  | { [M in keyof A & string]: { kind: 'call'; id: number; method: M; args: A[M]['args'] } }[keyof A & string]
  | { kind: 'cancel'; id: number };

export type FromWorker =
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; message: string }
  | { kind: 'notice'; notice: Notice };

/** What a handler gets besides its arguments. */
export interface CallContext<E> {
  /** Streams an event to the caller; buffers listed in `transfer` move instead of being copied. */
  emit(event: E, transfer?: Transferable[]): void;
  /** Aborted when the caller cancels the call (e.g. "Stop"). */
  signal: AbortSignal;
}

export type Handlers<A extends Api> = {
  [M in keyof A]: (args: A[M]['args'], ctx: CallContext<A[M]['event']>) => Promise<A[M]['result'] | { value: A[M]['result']; transfer: Transferable[] }>;
};

/** Marks a result whose buffers should be transferred. */
export function withTransfer<R>(value: R, transfer: Transferable[]): { value: R; transfer: Transferable[] } {
  return { value, transfer };
}

interface Scope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
}

/** Worker side: routes calls to handlers; a worker file is only this call plus its handlers. */
export function serve<A extends Api>(handlers: Handlers<A>, scope: Scope = self as unknown as Scope): (notice: Notice) => void {
  const running = new Map<number, AbortController>();
  const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
  scope.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as ToWorker<A>;
    if (msg.kind === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(msg.id, controller);
    const handler = handlers[msg.method] as (args: unknown, ctx: CallContext<unknown>) => Promise<unknown>;
    const ctx: CallContext<unknown> = {
      emit: (event, transfer) => post({ kind: 'event', id: msg.id, event }, transfer),
      signal: controller.signal,
    };
    Promise.resolve()
      .then(() => handler(msg.args, ctx))
      .then(
        (out) => {
          if (out && typeof out === 'object' && 'transfer' in out && 'value' in out) {
            const t = out as { value: unknown; transfer: Transferable[] };
            post({ kind: 'result', id: msg.id, value: t.value }, t.transfer);
          } else post({ kind: 'result', id: msg.id, value: out });
        },
        (e: unknown) => post({ kind: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) }),
      )
      .finally(() => running.delete(msg.id));
  });
  return (notice) => post({ kind: 'notice', notice });
}

export interface CallOptions<E> {
  onEvent?: (event: E) => void;
  transfer?: Transferable[];
  signal?: AbortSignal;
}

/** Thrown to callers whose worker died or was restarted mid-call. */
export class WorkerGoneError extends Error {}

/** Page side: typed calls to one worker, and its crash and notice reports. */
export class WorkerClient<A extends Api> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; onEvent?: (e: unknown) => void }>();

  constructor(
    private readonly worker: Worker,
    private readonly onNotice: (n: Notice) => void,
    private readonly onCrash: (message: string) => void,
  ) {
    worker.addEventListener('message', (ev: MessageEvent) => this.receive(ev.data as FromWorker));
    worker.addEventListener('error', (ev: ErrorEvent) => {
      ev.preventDefault();
      this.fail(ev.message || 'the worker stopped with an uncaught error');
    });
    worker.addEventListener('messageerror', () => this.fail('a message from the worker could not be read'));
  }

  call<M extends keyof A & string>(method: M, args: A[M]['args'], options: CallOptions<A[M]['event']> = {}): Promise<A[M]['result']> {
    const id = this.nextId++;
    return new Promise<A[M]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent: options.onEvent as ((e: unknown) => void) | undefined });
      if (options.signal) {
        if (options.signal.aborted) this.worker.postMessage({ kind: 'cancel', id });
        options.signal.addEventListener('abort', () => this.worker.postMessage({ kind: 'cancel', id }), { once: true });
      }
      const msg: ToWorker<A> = { kind: 'call', id, method, args } as ToWorker<A>;
      this.worker.postMessage(msg, options.transfer ?? []);
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new WorkerGoneError('the worker was restarted'));
    this.pending.clear();
  }

  private receive(msg: FromWorker): void {
    if (msg.kind === 'notice') {
      this.onNotice(msg.notice);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'event') p.onEvent?.(msg.event);
    else {
      this.pending.delete(msg.id);
      if (msg.kind === 'result') p.resolve(msg.value);
      else p.reject(new Error(msg.message));
    }
  }

  private fail(message: string): void {
    for (const p of this.pending.values()) p.reject(new WorkerGoneError(`The worker crashed: ${message}`));
    this.pending.clear();
    this.onCrash(message);
  }
}
