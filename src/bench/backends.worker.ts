/** Runs the bench page's backends suite off the main thread (see ./backends.ts). */
import { runBackends, type BenchMessage } from './backends';

const post = (m: BenchMessage) => self.postMessage(m);

/** The page sends its query string and the URL of its models folder. */
self.onmessage = (ev: MessageEvent<{ search: string; models: string }>) => {
  runBackends(ev.data.search, (line) => post({ kind: 'log', line }), ev.data.models).then(
    (result) => post({ kind: 'done', result }),
    (e: unknown) => post({ kind: 'error', message: (e as Error).message }),
  );
};
