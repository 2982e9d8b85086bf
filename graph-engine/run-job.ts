import { mkdir } from 'node:fs/promises';
import type { ValueCache } from './cache.ts';
import type { EngineEvent } from './events.ts';
import { executeWorkflow, type RunResult } from './execute.ts';
import { toJobError } from './job.ts';
import { buildManifest, type Manifest, type Runner, writeManifest } from './manifest.ts';
import type { NodeRegistry } from './registry.ts';
import type { Workflow } from './workflow.ts';

/** A job ready to run: its workflow with seeds resolved, and where its files go. */
export interface RunnableJob {
  id: string;
  title: string;
  workflow: Workflow;
  seeds: Record<string, number>;
  targets?: string[];
  outDir: string;
}

export interface RunJobOptions {
  registry: NodeRegistry;
  cache?: ValueCache;
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
  /** Who runs the job (a farm worker), recorded in the manifest; asked once the run ends, for its device. */
  runner?: () => Runner;
}

export interface JobOutcome {
  result: RunResult;
  manifest: Manifest;
  manifestPath: string;
}

/** Runs one job through the engine and writes its manifest beside its outputs, whatever the outcome. */
export async function runJob(job: RunnableJob, opts: RunJobOptions): Promise<JobOutcome> {
  await mkdir(job.outDir, { recursive: true });
  const startedAt = Date.now();
  const result = await executeWorkflow(job.workflow, opts.registry, {
    targets: job.targets,
    signal: opts.signal,
    cache: opts.cache,
    outDir: job.outDir,
    onEvent: opts.onEvent,
    jobId: job.id,
    title: job.title,
  }).catch((err: unknown): RunResult => failedResult(err));
  const finishedAt = Date.now();
  const runner = opts.runner?.();
  const manifest = await buildManifest(
    { ...job, jobId: job.id, startedAt, finishedAt, result, ...(runner ? { runner } : {}) },
    opts.registry,
  );
  return { result, manifest, manifestPath: await writeManifest(job.outDir, manifest) };
}

/** The engine reports failures in its result; this covers a throw from below it so the job still ends. */
function failedResult(err: unknown): RunResult {
  return { status: 'failed', outputs: {}, nodes: {}, error: { ...toJobError(err), inputs: {}, cause: err }, facts: {} };
}
