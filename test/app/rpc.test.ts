/**
 * The worker RPC (src/worker/rpc.ts) over a real MessageChannel: the page's WorkerClient on one port,
 * serve() on the other, so messages are asynchronous and structured-cloned as between a page and a worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallAbortedError, serve, WorkerClient, WorkerGoneError, type Method, type Notice, type Scope, type WorkerLike } from '../../src/worker/rpc';

type TestApi = {
  /** Counts to `n`, one event per tick, until done or cancelled. */
  count: Method<{ n: number }, { reached: number; stopped: boolean }, number>;
  echo: Method<string, string>;
  fail: Method<null, never>;
};

/** Calls the worker side received, by method, to see what ran. */
interface Rig {
  client: WorkerClient<TestApi>;
  started: string[];
  notices: Notice[];
  crashes: string[];
  /** Fires an event on the worker side's scope, as the browser does for an uncaught error. */
  workerScope: EventTarget;
  /** Fires an event on the page's Worker object. */
  pageWorker: EventTarget;
  /** The worker side's notice channel, as serve() returns it. */
  notify: (n: Notice) => void;
  closed: () => boolean;
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

const tick = () => new Promise((r) => setTimeout(r, 0));

function rig(): Rig {
  const channel = new MessageChannel();
  channels.push(channel);
  const started: string[] = [];
  let closed = false;
  const workerScope = new EventTarget();
  const scope = {
    postMessage: (m: unknown, t?: Transferable[]) => channel.port2.postMessage(m, t ?? []),
    addEventListener: (type: string, l: (ev: never) => void) => (type === 'message' ? channel.port2.addEventListener('message', l as never) : workerScope.addEventListener(type, l as never)),
    close: () => {
      closed = true;
      channel.port2.close();
    },
  } as unknown as Scope;
  channel.port2.start();
  const notify = serve<TestApi>(
    {
      async count({ n }, ctx) {
        started.push('count');
        let i = 0;
        while (i < n && !ctx.signal.aborted) {
          ctx.emit(++i);
          await tick();
        }
        return { reached: i, stopped: ctx.signal.aborted };
      },
      async echo(s) {
        started.push('echo');
        return s;
      },
      async fail() {
        started.push('fail');
        throw new Error('handler failed');
      },
    },
    scope,
  );
  const pageWorker = new EventTarget();
  const worker = {
    postMessage: (m: unknown, t?: Transferable[]) => channel.port1.postMessage(m, t ?? []),
    addEventListener: (type: string, l: (ev: never) => void) => (type === 'message' ? channel.port1.addEventListener('message', l as never) : pageWorker.addEventListener(type, l as never)),
    terminate: () => channel.port1.close(),
  } as unknown as WorkerLike;
  channel.port1.start();
  const notices: Notice[] = [];
  const crashes: string[] = [];
  const client = new WorkerClient<TestApi>(worker, (n) => notices.push(n), (m) => crashes.push(m));
  return { client, started, notices, crashes, workerScope, pageWorker, notify, closed: () => closed };
}

/** An ErrorEvent as a browser fires it (Node has no ErrorEvent class). */
function errorEvent(message: string): Event {
  return Object.assign(new Event('error', { cancelable: true }), { message, error: new Error(message) });
}

/** An AbortSignal that counts the abort listeners it holds. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let n = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, l: EventListener, o?: AddEventListenerOptions) => {
    if (type === 'abort') n++;
    add(type, l, o);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, l: EventListener, o?: EventListenerOptions) => {
    if (type === 'abort') n = Math.max(0, n - 1);
    remove(type, l, o);
  }) as typeof signal.removeEventListener;
  return { controller, listeners: () => n };
}

describe('worker RPC', () => {
  it('streams events and returns the result', async () => {
    const r = rig();
    const events: number[] = [];
    const out = await r.client.call('count', { n: 5 }, { onEvent: (e) => events.push(e) });
    expect(out).toEqual({ reached: 5, stopped: false });
    expect(events).toEqual([1, 2, 3, 4, 5]);
    await expect(r.client.call('fail', null)).rejects.toThrow('handler failed');
    expect(await r.client.call('echo', 'still here')).toBe('still here');
  });

  it('cancels a running call through its signal', async () => {
    const r = rig();
    const controller = new AbortController();
    const events: number[] = [];
    const run = r.client.call('count', { n: 1_000_000 }, { signal: controller.signal, onEvent: (e) => {
      events.push(e);
      if (e === 3) controller.abort();
    } });
    const out = await run;
    expect(out.stopped).toBe(true);
    expect(out.reached).toBeLessThan(1000);
  });

  it('never sends a call whose signal is already aborted', async () => {
    const r = rig();
    const controller = new AbortController();
    controller.abort();
    await expect(r.client.call('count', { n: 50 }, { signal: controller.signal })).rejects.toBeInstanceOf(CallAbortedError);
    // The next call is answered, and the worker ran only that one.
    expect(await r.client.call('echo', 'next')).toBe('next');
    expect(r.started).toEqual(['echo']);
  });

  it('removes its abort listener when the call settles, however it settles', async () => {
    const r = rig();
    const { controller, listeners } = countedSignal();
    for (let i = 0; i < 3; i++) await r.client.call('echo', `call ${i}`, { signal: controller.signal });
    await expect(r.client.call('fail', null, { signal: controller.signal })).rejects.toThrow('handler failed');
    expect(listeners()).toBe(0);
    // A call still running holds exactly one, until it ends.
    const running = r.client.call('count', { n: 3 }, { signal: controller.signal });
    expect(listeners()).toBe(1);
    await running;
    expect(listeners()).toBe(0);
    // Aborting the long-lived signal now sends nothing and breaks nothing.
    controller.abort();
    expect(await r.client.call('echo', 'after')).toBe('after');
  });

  it('reports an uncaught error in the worker as a notice, not a crash, and its calls go on', async () => {
    const r = rig();
    const events: number[] = [];
    const run = r.client.call('count', { n: 20 }, { onEvent: (e) => events.push(e) });
    await tick();
    const stray = errorEvent('stray timer threw');
    r.workerScope.dispatchEvent(stray);
    expect(stray.defaultPrevented).toBe(true);
    const rejection = Object.assign(new Event('unhandledrejection', { cancelable: true }), { reason: new Error('nobody awaited this') });
    r.workerScope.dispatchEvent(rejection);
    expect(await run).toEqual({ reached: 20, stopped: false });
    expect(r.crashes).toEqual([]);
    expect(r.notices).toEqual([
      { type: 'error', message: 'stray timer threw' },
      { type: 'error', message: 'unhandled rejection: nobody awaited this' },
    ]);
    expect(await r.client.call('echo', 'alive')).toBe('alive');
  });

  it('treats an error that reaches the page (the worker never started) as a crash', async () => {
    const r = rig();
    const { controller, listeners } = countedSignal();
    const pending = r.client.call('count', { n: 1_000_000 }, { signal: controller.signal });
    r.pageWorker.dispatchEvent(errorEvent('Failed to load the worker script'));
    await expect(pending).rejects.toBeInstanceOf(WorkerGoneError);
    expect(listeners()).toBe(0);
    expect(r.crashes).toEqual(['Failed to load the worker script']);
    // Later calls fail at once instead of waiting for a worker that is not there.
    await expect(r.client.call('echo', 'x')).rejects.toBeInstanceOf(WorkerGoneError);
    controller.abort();
  });

  it('treats a fatal notice as a crash, and the worker closes itself', async () => {
    const r = rig();
    const pending = r.client.call('count', { n: 1_000_000 });
    await tick();
    r.notify({ type: 'fatal', message: 'cannot go on' });
    expect(r.closed()).toBe(true);
    await expect(pending).rejects.toThrow('The worker crashed: cannot go on');
    expect(r.crashes).toEqual(['cannot go on']);
    expect(r.notices).toEqual([]);
  });
});
