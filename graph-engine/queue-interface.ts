import type { EngineEvent } from './events.ts';
import type { JobRecord, JobStatus } from './job.ts';

export interface SubmitOptions {
  targets?: string[];
  outDir?: string;
  title?: string;
}

export interface HistoryQuery {
  status?: JobStatus | JobStatus[];
  /** Only jobs submitted at or after this time (ms since epoch). */
  since?: number;
  /** At most this many, newest first. */
  limit?: number;
}

type Maybe<T> = T | Promise<T>;

/**
 * What the studio needs of a job queue. The local queue (queue.ts: a journal in the data folder, jobs
 * run here or in a child process) is one; a queue on Redis with workers on other machines can be
 * another. Reads may be synchronous or not, so callers await them.
 */
export interface Queue {
  /** Validates and durably records a job; resolved only once it would survive a crash. */
  submit(workflow: unknown, opts?: SubmitOptions): Promise<JobRecord>;
  /** A queued job never runs; a running one is aborted. False when it is already over. */
  cancel(id: string): Promise<boolean>;
  list(): Maybe<JobRecord[]>;
  get(id: string): Maybe<JobRecord | undefined>;
  history(query?: HistoryQuery): Maybe<JobRecord[]>;
  /** Every engine event of every job until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** Takes no more jobs, lets the running one end, and releases what the queue holds. */
  close(): Promise<void>;
}
