import { z } from 'zod';

/** A pack a worker holds, by name and content. */
export const AdvertPackSchema = z.object({
  name: z.string(),
  sha256: z.string(),
  kind: z.string().optional(),
  variant: z.string().optional(),
});

/** What a worker tells the farm about itself, refreshed every few seconds with a time to live. */
export const WorkerAdvertSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  version: z.string(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  concurrency: z.number().int(),
  packs: z.array(AdvertPackSchema),
  /** Execution provider sessions run on, and the order this worker would try. */
  device: z.object({ provider: z.string(), plan: z.array(z.string()) }),
  memory: z.object({
    freeBytes: z.number(),
    totalBytes: z.number(),
    gpu: z.object({ usedBytes: z.number(), totalBytes: z.number() }).optional(),
  }),
  running: z.array(z.string()),
  /** Queues it takes jobs from (one per set of packs it holds all of). */
  queues: z.array(z.string()),
  /** `draining` after SIGTERM: finishing its jobs, taking no new ones. */
  state: z.enum(['ready', 'draining']),
});
export type WorkerAdvert = z.infer<typeof WorkerAdvertSchema>;
