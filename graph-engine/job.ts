import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Where a job stands; `finished`, `failed` and `cancelled` are final. */
export const JobStatusSchema = z.enum(['queued', 'running', 'finished', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const NodeTimingSchema = z.object({ ms: z.number(), cached: z.boolean(), reason: z.string().optional() });
export type NodeTiming = z.infer<typeof NodeTimingSchema>;

/** A failure as recorded: what programs switch on, what users read, and the node it came from. */
export const JobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  nodeId: z.string().optional(),
  /** The node's param or input it is about, where the node said. */
  field: z.string().optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/** One job as the queue keeps it: the workflow as it will run (seeds resolved) and what became of it. */
export const JobRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: JobStatusSchema,
  /** The workflow with every seed resolved, so a re-run (or a re-queue after a crash) is the same job. */
  workflow: z.looseObject({ schemaVersion: z.number(), nodes: z.record(z.string(), z.unknown()) }),
  seeds: z.record(z.string(), z.number()),
  targets: z.array(z.string()).optional(),
  outDir: z.string(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** How many times the process died while this job ran; it is re-queued each time. */
  interruptions: z.number().int(),
  error: JobErrorSchema.optional(),
  nodes: z.record(z.string(), NodeTimingSchema).optional(),
  manifestPath: z.string().optional(),
  /** How many files the run's manifest lists, once it ended; 0 on a finished run means it saved nothing. */
  savedFiles: z.number().int().nonnegative().optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

export const JobPatchSchema = JobRecordSchema.omit({ id: true, workflow: true, seeds: true }).partial();
export type JobPatch = z.infer<typeof JobPatchSchema>;

/**
 * A job as its journal line keeps it: the workflow lives in a file of its own (`workflows/<id>.json`) so
 * lines stay small whatever the workflow's size. Journals written before that kept it inline, which
 * is still read (and moved out on the next start).
 */
export const StoredJobSchema = JobRecordSchema.extend({ workflow: JobRecordSchema.shape.workflow.optional() });
export type StoredJob = z.infer<typeof StoredJobSchema>;

/** A journal line: a new job, or a change to one. */
export const JobEntrySchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('submit'), job: StoredJobSchema }),
  z.object({ op: z.literal('update'), id: z.string(), patch: JobPatchSchema }),
]);
export type JobEntry = z.infer<typeof JobEntrySchema>;

/** Folds journal entries into jobs in submission order; updates for unknown ids are ignored. */
export function replayJobs(entries: JobEntry[]): Map<string, StoredJob> {
  const jobs = new Map<string, StoredJob>();
  for (const entry of entries) {
    if (entry.op === 'submit') jobs.set(entry.job.id, entry.job);
    else {
      const job = jobs.get(entry.id);
      if (job) jobs.set(entry.id, { ...job, ...entry.patch });
    }
  }
  return jobs;
}

/** How many times a job may take its process down before it is failed instead of run again. */
export const MAX_CRASHES = 2;

/**
 * After the process died: a job that was running goes back to the queue, counted as interrupted, unless
 * it has now been running at `maxCrashes` deaths; then it fails, so the jobs behind it can run.
 */
export function recoverJob<J extends StoredJob>(job: J, maxCrashes = MAX_CRASHES, now = Date.now()): J {
  if (job.status !== 'running') return job;
  const { startedAt: _startedAt, ...rest } = job;
  const interruptions = job.interruptions + 1;
  if (interruptions < maxCrashes) return { ...rest, status: 'queued', interruptions } as J;
  return { ...rest, status: 'failed', interruptions, finishedAt: now, error: crashedError(interruptions) } as J;
}

/** The error of a job given up after the process running it died `times` times. */
export function crashedError(times: number, last?: string): JobError {
  const why = last ? ` (last: ${last})` : '';
  return {
    code: 'crashed',
    message: `the process running this job died ${times} times${why}; it is not run again`,
  };
}

/** Normalises whatever a run failed with (an issue value, an Error, text) into a recorded error. */
export function toJobError(err: unknown): JobError {
  if (err && typeof err === 'object' && typeof (err as JobError).message === 'string') {
    const e = err as Partial<JobError> & { name?: string };
    const code = typeof e.code === 'string' ? e.code : (e.name ?? 'error');
    return {
      code,
      message: e.message as string,
      ...(typeof e.nodeId === 'string' ? { nodeId: e.nodeId } : {}),
      ...(typeof e.field === 'string' ? { field: e.field } : {}),
    };
  }
  return { code: 'error', message: String(err) };
}

/** A job id: sortable by submission time, unique without coordination. */
export function newJobId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The workflow's own title, if it has one. */
export function titleOf(workflow: { meta?: { title?: string } }, fallback = 'untitled'): string {
  return workflow.meta?.title ?? fallback;
}
