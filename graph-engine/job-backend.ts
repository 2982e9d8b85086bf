import { z } from 'zod';
import type { EngineEvent } from './events.ts';
import { JobRecordSchema } from './job.ts';
import { RunnerSchema } from './manifest.ts';
import type { ValidationError } from './validation-error.ts';
import type { Workflow } from './workflow.ts';

/**
 * Where jobs wait and who runs them, as the server, the editor and the CLI see it: the local persistent
 * queue (local-jobs.ts) on one machine, or a farm of workers (farm/) on many. Both take the same
 * workflows, emit the same engine events and keep the same job records.
 */
export interface JobBackend {
  /** Checks the workflow, resolves its seeds, records the job durably and queues it. */
  submit(workflow: unknown, opts?: BackendSubmitOptions): Promise<BackendJob>;
  /** A queued job never runs, a running one is stopped within one sampler step; false when already over. */
  cancel(jobId: string): Promise<boolean>;
  /** Every job the backend keeps, oldest first. */
  list(): Promise<BackendJob[]>;
  get(jobId: string): Promise<BackendJob | undefined>;
  /** Every engine event of every job (progress, previews, logs) until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /**
   * The problems that would stop a submission, when the backend judges them differently from this
   * machine's engine (a farm accepts a pack this machine lacks but its workers hold). Optional.
   */
  validate?(workflow: Workflow, targets?: string[]): Promise<ValidationError[]>;
  /** Shutdown as the backend defines it (the local queue cancels its running job; a farm keeps running). */
  close(): Promise<void>;
}

export interface BackendSubmitOptions {
  targets?: string[];
  title?: string;
}

/** A job record plus, for jobs a farm ran, which worker and device ran it and how many tries it had. */
export const BackendJobSchema = JobRecordSchema.extend({
  runner: RunnerSchema.optional(),
  /** Runs started, retries and restarts after a worker died included (farm jobs). */
  attempts: z.number().int().optional(),
});
export type BackendJob = z.infer<typeof BackendJobSchema>;
