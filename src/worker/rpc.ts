/**
 * A small typed request/reply protocol over postMessage, shared by the page and the workers.
 *
 * An API is a map of methods, each with its `args`, its final `result` and the `event`s it streams while
 * it runs (progress, frames). Messages are one discriminated union each way; buffers are transferred.
 *   page → worker: { kind: 'call', id, method, args } | { kind: 'cancel', id }
 *   worker → page: { kind: 'event', id, event } | { kind: 'result', id, value } | { kind: 'error', id, message }
 *                  | { kind: 'notice', notice }   (unsolicited: device lost, GPU errors, stray errors, fatal)
 *
 * Cancel: a call whose signal is already aborted is never sent (it rejects with CallAbortedError); a
 * later abort sends { kind: 'cancel' }, and the handler sees its own signal abort. Listeners on the
 * caller's signal are removed when the call settles.
 *
 * Crashes: once serve() runs, the worker catches its own uncaught errors and unhandled rejections and
 * reports them as an 'error' notice: the worker keeps running, and so do its calls. Only an error the
 * worker could not catch (its script failed to load or to start, so serve() never ran), an unreadable
 * message, or a 'fatal' notice (the worker gives up and closes itself) is a crash: the pending calls are
 * rejected with WorkerGoneError.
 *
 * comlink was weighed: it would still need its own channel for streamed events and for cancel, and
 * would not make this file smaller.
 */

export interface Method<A, R, E = never> {
  args: A;
  result: R;
  event: E;
}
export type Api = Record<string, Method<unknown, unknown, unknown>>;

export type Notice =
  | { type: 'deviceLost'; message: string }
  | { type: 'gpuError'; message: string }
  | { type: 'log'; message: string }
  /** An uncaught error or unhandled rejection in the worker, which keeps running. */
  | { type: 'error'; message: string }
  /** The worker cannot go on; it closes itself after sending this, and the page treats it as a crash. */
  | { type: 'fatal'; message: string };

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

/** What serve() needs of a worker's global scope (a stand-in in tests). */
export interface Scope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (ev: PromiseRejectionEvent) => void): void;
  close(): void;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Worker side: routes calls to handlers; a worker file is only this call plus its handlers. Returns the
 * worker's notice channel; a 'fatal' notice also closes the worker.
 */
export function serve<A extends Api>(handlers: Handlers<A>, scope: Scope = self as unknown as Scope): (notice: Notice) => void {
  const running = new Map<number, AbortController>();
  const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
  // Stray errors are reported, not fatal: preventDefault keeps them from reaching the page's `error`
  // event, which is kept for a worker that never started.
  scope.addEventListener('error', (ev: ErrorEvent) => {
    ev.preventDefault();
    post({ kind: 'notice', notice: { type: 'error', message: ev.message || messageOf(ev.error) } });
  });
  scope.addEventListener('unhandledrejection', (ev: PromiseRejectionEvent) => {
    ev.preventDefault();
    post({ kind: 'notice', notice: { type: 'error', message: `unhandled rejection: ${messageOf(ev.reason)}` } });
  });
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
        (e: unknown) => post({ kind: 'error', id: msg.id, message: messageOf(e) }),
      )
      .finally(() => running.delete(msg.id));
  });
  return (notice) => {
    post({ kind: 'notice', notice });
    if (notice.type === 'fatal') scope.close();
  };
}

export interface CallOptions<E> {
  onEvent?: (event: E) => void;
  transfer?: Transferable[];
  signal?: AbortSignal;
}

/** Thrown to callers whose worker died or was restarted mid-call. */
export class WorkerGoneError extends Error {}

/** Thrown to callers whose signal was aborted before the call was sent: the worker never saw it. */
export class CallAbortedError extends Error {
  override name = 'AbortError';
}

/** What the page needs of a Worker (a stand-in in tests). */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (ev: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (ev: MessageEvent) => void): void;
  terminate(): void;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onEvent?: (e: unknown) => void;
  /** Removes the listener on the caller's signal. */
  detach: () => void;
}

/** Page side: typed calls to one worker, and its crash and notice reports. */
export class WorkerClient<A extends Api> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private gone = false;

  constructor(
    private readonly worker: WorkerLike,
    private readonly onNotice: (n: Notice) => void,
    private readonly onCrash: (message: string) => void,
  ) {
    worker.addEventListener('message', (ev: MessageEvent) => this.receive(ev.data as FromWorker));
    // Reaches the page only when serve() was not there to catch it: the worker never started.
    worker.addEventListener('error', (ev: ErrorEvent) => {
      ev.preventDefault();
      this.fail(ev.message || 'the worker could not start');
    });
    worker.addEventListener('messageerror', () => this.fail('a message from the worker could not be read'));
  }

  call<M extends keyof A & string>(method: M, args: A[M]['args'], options: CallOptions<A[M]['event']> = {}): Promise<A[M]['result']> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new CallAbortedError(`"${method}" was cancelled before it started`));
    if (this.gone) return Promise.reject(new WorkerGoneError('The worker crashed earlier: restart it'));
    const id = this.nextId++;
    return new Promise<A[M]['result']>((resolve, reject) => {
      const cancel = (): void => this.worker.postMessage({ kind: 'cancel', id } satisfies ToWorker<A>);
      signal?.addEventListener('abort', cancel, { once: true });
      const detach = (): void => signal?.removeEventListener('abort', cancel);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent: options.onEvent as ((e: unknown) => void) | undefined, detach });
      const msg: ToWorker<A> = { kind: 'call', id, method, args } as ToWorker<A>;
      this.worker.postMessage(msg, options.transfer ?? []);
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.rejectAll(new WorkerGoneError('the worker was restarted'));
  }

  private receive(msg: FromWorker): void {
    if (msg.kind === 'notice') {
      if (msg.notice.type === 'fatal') this.fail(msg.notice.message);
      else this.onNotice(msg.notice);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'event') p.onEvent?.(msg.event);
    else {
      this.pending.delete(msg.id);
      p.detach();
      if (msg.kind === 'result') p.resolve(msg.value);
      else p.reject(new Error(msg.message));
    }
  }

  private rejectAll(error: Error): void {
    for (const p of this.pending.values()) {
      p.detach();
      p.reject(error);
    }
    this.pending.clear();
  }

  private fail(message: string): void {
    if (this.gone) return;
    this.gone = true;
    this.rejectAll(new WorkerGoneError(`The worker crashed: ${message}`));
    this.onCrash(message);
  }
}
