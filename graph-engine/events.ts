import { z } from 'zod';

/** What the engine tells the outside while a job runs; the API streams these and the editor folds them. */

const Base = { jobId: z.string(), /** ms since epoch */ time: z.number() };
const NodeBase = { ...Base, nodeId: z.string() };

export const PreviewSchema = z.object({ label: z.string(), dataUrl: z.string() });

export const EngineEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job-queued'), ...Base }),
  z.object({ type: z.literal('job-started'), ...Base, targets: z.array(z.string()) }),
  z.object({ type: z.literal('job-finished'), ...Base, ms: z.number() }),
  z.object({
    type: z.literal('job-failed'),
    ...Base,
    code: z.string(),
    message: z.string(),
    nodeId: z.string().optional(),
  }),
  z.object({ type: z.literal('job-cancelled'), ...Base, nodeId: z.string().optional() }),
  /** The node is about to run; `reason` says why it could not come from the cache. */
  z.object({ type: z.literal('node-started'), ...NodeBase, nodeType: z.string(), reason: z.string() }),
  z.object({
    type: z.literal('node-progress'),
    ...NodeBase,
    fraction: z.number().min(0).max(1),
    message: z.string().optional(),
    /** Time left, from the time so far and the fraction done; absent until some progress is made. */
    etaMs: z.number().optional(),
  }),
  z.object({ type: z.literal('node-preview'), ...NodeBase, previews: z.array(PreviewSchema) }),
  z.object({ type: z.literal('node-cache-hit'), ...NodeBase, key: z.string() }),
  z.object({ type: z.literal('node-finished'), ...NodeBase, ms: z.number(), cached: z.boolean() }),
  z.object({ type: z.literal('node-failed'), ...NodeBase, message: z.string() }),
  z.object({
    type: z.literal('log'),
    ...Base,
    level: z.enum(['info', 'warn', 'error']),
    message: z.string(),
    nodeId: z.string().optional(),
  }),
]);
export type EngineEvent = z.infer<typeof EngineEventSchema>;
export type EngineEventType = EngineEvent['type'];

/** An event of one type, e.g. `EventOf<'node-progress'>`. */
export type EventOf<T extends EngineEventType> = Extract<EngineEvent, { type: T }>;
