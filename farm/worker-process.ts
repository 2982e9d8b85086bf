import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { engineEnv } from '../bin/engine-env.js';

const MAIN = new URL('../cli/main.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');

/** A `layerflow worker` child process (the tests and the bench start farms of them on one machine). */
export interface WorkerProcess {
  id: string;
  proc: ChildProcess;
  /** Its stderr so far (the worker's log). */
  log(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<number | string>;
}

/**
 * Starts `layerflow worker --id <id> …` with the environment `npx layerflow worker` gives it (engineEnv) and
 * resolves once it prints `ready`.
 */
export async function startWorker(id: string, args: string[], env = process.env): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, 'worker', '--id', id, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: engineEnv(env),
  });
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(proc, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes(`ready ${id}`)) resolve();
    });
    exited.then((code) => reject(new Error(`worker ${id} exited (${code}) before it was ready:\n${stderr}`)));
  });
  return { id, proc, log: () => stderr, exited };
}

/** Ends a worker if it still runs (SIGKILL: for cleanup). */
export async function killWorker(w: WorkerProcess): Promise<void> {
  if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  await w.exited;
}
