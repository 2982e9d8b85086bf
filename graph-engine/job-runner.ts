import type { ValueCache } from './cache.ts';
import type { EngineEvent } from './events.ts';
import { type JobError, type NodeTiming, toJobError } from './job.ts';
import type { NodeRegistry } from './registry.ts';
import { type RunnableJob, runJob } from './run-job.ts';

/** How one run of a job ended, as the queue records it. */
export interface RunSummary {
  status: 'finished' | 'failed' | 'cancelled';
  nodes: Record<string, NodeTiming>;
  error?: JobError;
  /** Absent when the run was stopped before it could write one (a forced kill). */
  manifestPath?: string;
  /** How many files the manifest lists (absent with it). */
  savedFiles?: number;
}

export interface RunCalls {
  signal: AbortSignal;
  onEvent: (event: EngineEvent) => void;
}

/**
 * Where the queue's jobs run: in this process, or in a child process (so heavy synchronous work never
 * blocks the caller's event loop and a crash takes only the child).
 */
export interface JobRunner {
  run(job: RunnableJob, calls: RunCalls): Promise<RunSummary>;
  close?(): Promise<void>;
}

/** The process running a job died under it; the queue counts it and runs the job again or gives up. */
export class RunnerCrashedError extends Error {
  readonly code = 'crashed';
  constructor(message: string) {
    super(message);
    this.name = 'RunnerCrashedError';
  }
}

/** A run result as the queue records it: status, per-node timings, the error, what its manifest lists. */
export function summarize(
  result: { status: RunSummary['status']; nodes: Record<string, NodeTiming>; error?: unknown },
  written?: { manifestPath: string; manifest: { files: readonly unknown[] } },
): RunSummary {
  const nodes = Object.fromEntries(
    Object.entries(result.nodes).map(([id, n]) => [id, { ms: n.ms, cached: n.cached, reason: n.reason }]),
  );
  return {
    status: result.status,
    nodes,
    ...(result.error === undefined ? {} : { error: toJobError(result.error) }),
    ...(written ? { manifestPath: written.manifestPath, savedFiles: written.manifest.files.length } : {}),
  };
}

/** Runs jobs in this process. */
export function inProcessRunner(registry: NodeRegistry, cache?: ValueCache): JobRunner {
  return {
    async run(job, { signal, onEvent }) {
      const outcome = await runJob(job, { registry, cache, signal, onEvent });
      return summarize(outcome.result, outcome);
    },
  };
}
