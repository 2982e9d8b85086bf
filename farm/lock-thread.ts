// The lock keeper's thread (see lock-keeper.ts): renews the locks of the jobs the main thread runs.
import { parentPort, workerData } from 'node:worker_threads';
import { Worker } from 'bullmq';
import type { LockIn, LockOut, LockThreadData } from './lock-keeper.ts';
import { connectRedis } from './redis.ts';

const data = workerData as LockThreadData;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (message: LockOut) => port.postMessage(message);
const redis = connectRedis(data.url);
redis.on('error', (err: Error) => post({ op: 'log', message: `lock keeper: redis: ${err.message}` }));
const queues = new Map<string, Worker>();
const held = new Map<string, { queue: string; token: string }>();
let alive = Date.now();
let gaveUp = false;

function queue(name: string): Worker {
  let q = queues.get(name);
  if (!q) {
    q = new Worker(name, null, { connection: redis, prefix: data.prefix, autorun: false, skipStalledCheck: true });
    q.on('error', (err) => post({ op: 'log', message: `lock keeper: ${name}: ${err.message}` }));
    queues.set(name, q);
  }
  return q;
}

/** Extends every held lock, unless the main thread has been unresponsive past the limit (then it is hung). */
async function renew(): Promise<void> {
  const blockedMs = Date.now() - alive;
  if (blockedMs > data.maxBlockMs) {
    if (!gaveUp && held.size)
      post({
        op: 'log',
        message: `main thread unresponsive for ${Math.round(blockedMs / 1000)} s; letting its job locks lapse`,
      });
    gaveUp = true;
    return;
  }
  gaveUp = false;
  const byQueue = new Map<string, [string, string][]>();
  for (const [jobId, h] of held) byQueue.set(h.queue, [...(byQueue.get(h.queue) ?? []), [jobId, h.token]]);
  for (const [name, jobs] of byQueue) {
    const failed: string[] = await queue(name)
      .extendJobLocks(
        jobs.map(([id]) => id),
        jobs.map(([, token]) => token),
        data.lockMs,
      )
      .catch((err: Error) => {
        post({ op: 'log', message: `lock keeper: renewing on ${name} failed: ${err.message}` });
        return [];
      });
    for (const jobId of failed) {
      // Only a job still held counts: one released meanwhile simply finished.
      if (held.get(jobId)?.token === jobs.find(([id]) => id === jobId)?.[1]) {
        held.delete(jobId);
        post({ op: 'lost', jobId });
      }
    }
  }
}

let renewing = false;
const timer = setInterval(() => {
  if (renewing) return;
  renewing = true;
  void renew().finally(() => {
    renewing = false;
  });
}, data.renewMs);

// Ready once Redis answers: the worker takes no job before its lock can be renewed.
redis.ping().then(
  () => post({ op: 'ready' }),
  (err: Error) => post({ op: 'log', message: `lock keeper: ${err.message}` }),
);

port.on('message', (m: LockIn) => {
  if (m.op === 'alive') alive = Date.now();
  else if (m.op === 'hold') held.set(m.jobId, { queue: m.queue, token: m.token });
  else if (m.op === 'release') held.delete(m.jobId);
  else if (m.op === 'close') {
    clearInterval(timer);
    void Promise.all([...queues.values()].map((q) => q.close()))
      .then(() => redis.quit())
      .finally(() => {
        post({ op: 'closed' });
        port.close();
      });
  }
});
