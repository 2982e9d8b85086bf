/** Redis key and channel names of one farm; every farm key lives under its prefix (BullMQ's prefix too). */
export const DEFAULT_PREFIX = 'layerflow';

export function farmKeys(prefix = DEFAULT_PREFIX) {
  const base = `${prefix}:farm`;
  return {
    /** BullMQ's key prefix: queues are `<prefix>:<queue>:…`. */
    bull: prefix,
    /** Hash: queue name → JSON route (the packs its jobs need). */
    routes: `${base}:routes`,
    /** Hash: job id → queue name; makes submissions idempotent by job id. */
    jobs: `${base}:jobs`,
    /** Set of worker ids; each worker's advert lives in `worker(id)` with a TTL. */
    workers: `${base}:workers`,
    worker: (id: string) => `${base}:worker:${id}`,
    /** Set while a job is cancelled, so a worker that fetches it later (or missed the message) stops it. */
    cancelled: (jobId: string) => `${base}:cancelled:${jobId}`,
    /** Pub/sub: engine events and job settlements from workers. */
    events: `${base}:events`,
    /** Pub/sub: job ids to cancel. */
    cancel: `${base}:cancel`,
    /** Pub/sub: a queue that has a job waiting, so idle workers fetch at once. */
    wake: `${base}:wake`,
  };
}
export type FarmKeys = ReturnType<typeof farmKeys>;
