import { z } from 'zod';
import { EngineEventSchema } from '../graph-engine/events.ts';
import { JobErrorSchema, JobRecordSchema, NodeTimingSchema } from '../graph-engine/job.ts';
import { RunnerSchema } from '../graph-engine/manifest.ts';

/**
 * What travels through Redis, checked with these schemas on the way out of it: a worker trusts nothing
 * in a job it did not check, and a submitter nothing in a message.
 */

/** A job id that is also a safe folder name (the run folder is `<out>/<jobId>`); BullMQ refuses integer ids. */
export const FarmJobIdSchema = z
  .string()
  .regex(/^[\w][\w.-]{0,127}$/, 'a job id is 1–128 letters, digits, "_", "." or "-", starting with a letter or digit')
  .refine((id) => !/^\d+$/.test(id), 'a job id must not be a whole number');

/** A pack a job needs: the node that loads it, the name it was given, and its manifest's sha256. */
export const PackNeedSchema = z.object({
  nodeId: z.string(),
  param: z.string(),
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type PackNeed = z.infer<typeof PackNeedSchema>;

/** The data of a farm job: the workflow as it will run (seeds resolved) and the packs it needs. */
export const FarmJobDataSchema = z.object({
  v: z.literal(1),
  title: z.string().max(500),
  workflow: JobRecordSchema.shape.workflow,
  seeds: JobRecordSchema.shape.seeds,
  targets: z.array(z.string()).optional(),
  packs: z.array(PackNeedSchema),
  submittedAt: z.number(),
  submitter: z.string().max(200),
});
export type FarmJobData = z.infer<typeof FarmJobDataSchema>;

/** A job's state as its worker reports it (BullMQ job progress): who runs it and, at the end, how it went. */
export const FarmProgressSchema = z.object({
  status: z.enum(['running', 'finished', 'failed', 'cancelled']),
  runner: RunnerSchema,
  startedAt: z.number().optional(),
  error: JobErrorSchema.optional(),
  nodes: z.record(z.string(), NodeTimingSchema).optional(),
  /** The run folder's manifest as the worker wrote it (its own mount of the shared folder). */
  manifestPath: z.string().optional(),
  savedFiles: JobRecordSchema.shape.savedFiles,
});
export type FarmProgress = z.infer<typeof FarmProgressSchema>;

/** Pub/sub from workers (and submitters, for jobs cancelled before a worker saw them). */
export const FarmMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), worker: z.string(), event: EngineEventSchema }),
  /** The job's BullMQ state changed for good (completed, failed) or it went back to wait to run again. */
  z.object({
    kind: z.literal('settled'),
    worker: z.string(),
    jobId: z.string(),
    state: z.enum(['completed', 'failed', 'retrying', 'returned']),
  }),
]);
export type FarmMessage = z.infer<typeof FarmMessageSchema>;

/** Parses a pub/sub payload; undefined (and nothing thrown) for anything malformed. */
export function parseMessage(text: string): FarmMessage | undefined {
  try {
    const parsed = FarmMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
