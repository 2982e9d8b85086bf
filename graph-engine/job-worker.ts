// The child process of childRunner: builds the node registry from the module it is given, then runs one
// job at a time as the parent asks, sending the engine's events back. It dies with its parent.
import type { EngineEvent } from './events.ts';
import { inProcessRunner, type RunSummary } from './job-runner.ts';
import type { NodeRegistry } from './registry.ts';
import type { RunnableJob } from './run-job.ts';

/** What the parent sends. */
export type ToWorker = { type: 'run'; job: RunnableJob } | { type: 'cancel' };
/** What the worker sends back. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: EngineEvent }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; code?: string };

const send = (message: FromWorker) => {
  // The parent may be gone; then this process is about to exit anyway.
  if (process.connected) process.send?.(message);
};

let controller: AbortController | undefined;

// Parent gone (closed, or killed with -9): stop at once, even while still loading the node packs below.
// Exiting kills this run's ffmpeg children.
process.on('disconnect', () => {
  controller?.abort(new Error('the studio process went away'));
  process.exit(0);
});

const [modulePath, exportName = 'createRegistry'] = process.argv.slice(2);
const factory = (await import(modulePath))[exportName] as () => NodeRegistry | Promise<NodeRegistry>;
const runner = inProcessRunner(await factory());

process.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  const { signal } = controller;
  runner
    .run(message.job, { signal, onEvent: (event) => send({ type: 'event', event }) })
    .then(
      (summary) => send({ type: 'done', summary }),
      (err: Error & { code?: string }) => send({ type: 'error', message: err.message, code: err.code }),
    )
    .finally(() => {
      controller = undefined;
    });
});

send({ type: 'ready' });
