import { Worker } from 'node:worker_threads';

/** What the lock thread is started with. */
export interface LockThreadData {
  url: string;
  prefix: string;
  /** A job's lock lives this long past its last renewal. */
  lockMs: number;
  renewMs: number;
  /** Past this long without hearing from the main thread, it is taken for hung and its locks lapse. */
  maxBlockMs: number;
}
export type LockIn =
  | { op: 'hold'; queue: string; jobId: string; token: string }
  | { op: 'release'; jobId: string }
  | { op: 'alive' }
  | { op: 'close' };
export type LockOut =
  | { op: 'ready' }
  | { op: 'lost'; jobId: string }
  | { op: 'log'; message: string }
  | { op: 'closed' };

const ALIVE_MS = 1000;

/**
 * Keeps the BullMQ locks of running jobs alive from a thread of their own. ONNX Runtime blocks the main
 * thread for a whole session load or sampler step (a minute or more on real packs), which would starve
 * renewals on the main event loop; this thread renews every `renewMs` regardless, as long as the main
 * thread has answered within `maxBlockMs`. So the lock can stay short (a killed worker's job moves on
 * within about `lockMs`) while steps may take up to `maxBlockMs`. The thread dies with the process.
 */
export class LockKeeper {
  private readonly alive: NodeJS.Timeout;

  private constructor(
    private readonly thread: Worker,
    onLost: (jobId: string) => void,
    log: (message: string) => void,
  ) {
    thread.on('message', (m: LockOut) => {
      if (m.op === 'lost') onLost(m.jobId);
      else if (m.op === 'log') log(m.message);
    });
    thread.on('error', (err) => log(`lock keeper failed: ${err.message}`));
    this.alive = setInterval(() => this.send({ op: 'alive' }), ALIVE_MS);
    this.alive.unref();
  }

  /** Starts the thread and resolves once it can renew locks. */
  static async start(
    data: LockThreadData,
    onLost: (jobId: string) => void,
    log: (message: string) => void,
  ): Promise<LockKeeper> {
    // The thread runs TypeScript like the rest of the app: tsx is registered in it before its module loads.
    const tsx = import.meta.resolve('tsx/esm/api');
    const file = new URL('./lock-thread.ts', import.meta.url).href;
    const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(file)});`;
    const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: data });
    await new Promise<void>((resolve, reject) => {
      thread.on('message', (m: LockOut) => m.op === 'ready' && resolve());
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`the lock keeper thread exited (${code}) before it was ready`)));
    });
    return new LockKeeper(thread, onLost, log);
  }

  hold(queue: string, jobId: string, token: string): void {
    this.send({ op: 'hold', queue, jobId, token });
  }

  release(jobId: string): void {
    this.send({ op: 'release', jobId });
  }

  async close(): Promise<void> {
    clearInterval(this.alive);
    const closed = new Promise<void>((resolve) => {
      this.thread.on('message', (m: LockOut) => m.op === 'closed' && resolve());
      this.thread.once('exit', () => resolve());
    });
    this.send({ op: 'close' });
    await closed;
    await this.thread.terminate();
  }

  private send(message: LockIn): void {
    this.thread.postMessage(message);
  }
}
