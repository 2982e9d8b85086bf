import { dirname, join } from 'node:path';
import type { Job } from 'bullmq';
import type { JobStatus } from '../graph-engine/job.ts';
import type { BackendJob } from '../graph-engine/job-backend.ts';
import { MANIFEST_FILE } from '../graph-engine/manifest.ts';
import { FarmJobDataSchema, FarmProgressSchema } from './payload.ts';

/** BullMQ states a job waits in before a worker takes it. */
const WAITING = new Set(['waiting', 'wait', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/**
 * A farm job as the studio shows it: BullMQ's state, with what the worker reported in the job's
 * progress (who ran it, node timings, the error it ended with). Failed-because-cancelled is `cancelled`;
 * a waiting job with a cancel mark is `cancelled` already (a worker that fetches it ends it at once).
 * `shared` is this machine's mount of the workers' output folder, when it has one.
 */
export function recordOf(job: Job, state: string, cancelMarked: boolean, shared?: string): BackendJob {
  const id = job.id as string;
  const data = FarmJobDataSchema.safeParse(job.data);
  const progress = FarmProgressSchema.safeParse(job.progress);
  const reported = progress.success ? progress.data : undefined;
  const status = statusOf(state, reported?.status, cancelMarked);
  const error =
    status === 'failed' ? (reported?.error ?? { code: 'failed', message: job.failedReason || 'failed' }) : undefined;
  const manifestPath = shared ? join(shared, id, MANIFEST_FILE) : reported?.manifestPath;
  return {
    id,
    title: data.success ? data.data.title : job.name,
    status,
    workflow: data.success ? data.data.workflow : { schemaVersion: 0, nodes: {} },
    seeds: data.success ? data.data.seeds : {},
    ...(data.success && data.data.targets ? { targets: data.data.targets } : {}),
    outDir: manifestPath ? dirname(manifestPath) : id,
    createdAt: job.timestamp,
    ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(job.finishedOn && (state === 'completed' || state === 'failed') ? { finishedAt: job.finishedOn } : {}),
    interruptions: job.stalledCounter ?? 0,
    attempts: job.attemptsStarted ?? 0,
    ...(error ? { error } : {}),
    ...(reported?.nodes ? { nodes: reported.nodes } : {}),
    ...(manifestPath && state !== 'active' && !WAITING.has(state) ? { manifestPath } : {}),
    ...(reported?.savedFiles !== undefined && state !== 'active' ? { savedFiles: reported.savedFiles } : {}),
    ...(reported?.runner ? { runner: reported.runner } : {}),
  };
}

function statusOf(state: string, reported: string | undefined, cancelMarked: boolean): JobStatus {
  if (state === 'completed') return 'finished';
  if (state === 'failed') return reported === 'cancelled' ? 'cancelled' : 'failed';
  if (state === 'active') return 'running';
  return cancelMarked ? 'cancelled' : 'queued';
}
