import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { engineEnv } from '../bin/engine-env.js';
import { type JobRunner, RunnerCrashedError, type RunSummary } from './job-runner.ts';
import type { FromWorker, ToWorker } from './job-worker.ts';

const WORKER = fileURLToPath(new URL('./job-worker.ts', import.meta.url));

export interface ChildRunnerOptions {
  /** The module whose export builds the node registry in the child (it cannot be sent over IPC). */
  registryModule: string;
  registryExport?: string;
  /** How long a cancelled run may take to stop by itself before its process is killed. */
  graceMs?: number;
  /** Start the child now rather than on the first job (it loads every node pack: seconds). */
  prestart?: boolean;
}

/**
 * Runs jobs in a child process, one at a time, reusing it between jobs. The caller's event loop never
 * waits on a node's synchronous work (ONNX Runtime, decoding, Demo Clip); a crash or an out-of-memory
 * kill takes the child, reported as RunnerCrashedError; a cancelled run that does not stop within the
 * grace time has its process killed, and with it every ffmpeg it started.
 */
export function childRunner(opts: ChildRunnerOptions): JobRunner {
  let child: ChildProcess | undefined;
  let ready: Promise<ChildProcess> | undefined;

  function start(): Promise<ChildProcess> {
    const proc = fork(WORKER, [opts.registryModule, opts.registryExport ?? 'createRegistry'], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: engineEnv(),
    });
    child = proc;
    proc.once('exit', () => {
      if (child === proc) {
        child = undefined;
        ready = undefined;
      }
    });
    return new Promise((resolve, reject) => {
      proc.once('exit', (code, signal) =>
        reject(new RunnerCrashedError(`the engine process did not start (exit ${code ?? signal})`)),
      );
      proc.once('message', (m: FromWorker) => (m.type === 'ready' ? resolve(proc) : undefined));
    });
  }

  if (opts.prestart) {
    ready = start();
    // A failed start is reported to the first run (which starts it again), not as an unhandled rejection.
    ready.catch(() => undefined);
  }

  return {
    async run(job, { signal, onEvent }) {
      ready ??= start();
      const proc = await ready;
      return new Promise<RunSummary>((resolve, reject) => {
        let killTimer: NodeJS.Timeout | undefined;
        const finish = () => {
          clearTimeout(killTimer);
          signal.removeEventListener('abort', onAbort);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
        };
        const onMessage = (m: FromWorker) => {
          if (m.type === 'event') onEvent(m.event);
          else if (m.type === 'done') {
            finish();
            resolve(m.summary);
          } else if (m.type === 'error') {
            finish();
            reject(Object.assign(new Error(m.message), { code: m.code }));
          }
        };
        const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
          finish();
          if (signal.aborted) resolve({ status: 'cancelled', nodes: {} });
          else
            reject(new RunnerCrashedError(`the engine process died while running the job (${sig ?? `exit ${code}`})`));
        };
        const onAbort = () => {
          proc.send({ type: 'cancel' } satisfies ToWorker);
          // A node stuck in synchronous work cannot see the abort: its process goes instead.
          killTimer = setTimeout(() => proc.kill('SIGKILL'), opts.graceMs ?? 1000);
        };
        proc.on('message', onMessage);
        proc.once('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
        proc.send({ type: 'run', job } satisfies ToWorker);
        if (signal.aborted) onAbort();
      });
    },
    async close() {
      const proc = child;
      if (!proc) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.disconnect();
      // It exits when its parent lets go; one still loading its node packs is not waited for.
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}
