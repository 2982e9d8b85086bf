import { join } from 'node:path';
import type { ValueCache } from './cache.ts';
import type { EngineEvent } from './events.ts';
import {
  type JobEntry,
  JobEntrySchema,
  type JobPatch,
  type JobRecord,
  type JobStatus,
  newJobId,
  recoverJob,
  replayJobs,
  titleOf,
  toJobError,
} from './job.ts';
import { Journal, type JournalWarning } from './journal.ts';
import type { NodeRegistry } from './registry.ts';
import { freshRunFolder } from './run-folder.ts';
import { runJob } from './run-job.ts';
import { resolveSeeds } from './seeds.ts';
import { validateWorkflow } from './validate.ts';
import { loadWorkflow } from './workflow.ts';

export const JOURNAL_FILE = 'jobs.jsonl';
/** Appended lines after which the journal is rewritten as one line per job. */
const COMPACT_AFTER = 1000;

export interface JobQueueOptions {
  /** The queue's folder: its journal, and job outputs unless a job names its own folder. */
  dir: string;
  registry: NodeRegistry;
  /** Shared by all jobs, so a re-run reuses what an earlier job computed. */
  cache?: ValueCache;
  /** Leave queued jobs waiting until start(). */
  paused?: boolean;
  /** Where journal warnings (skipped lines) go; stderr by default. */
  warn?: (message: string) => void;
}

export interface SubmitOptions {
  targets?: string[];
  outDir?: string;
  title?: string;
}

export interface HistoryQuery {
  status?: JobStatus | JobStatus[];
  /** Only jobs submitted at or after this time (ms since epoch). */
  since?: number;
  /** At most this many, newest first. */
  limit?: number;
}

/** A workflow the queue will not take, with the problems addressed to nodes and fields. */
export class JobRejectedError extends Error {
  readonly code = 'invalid-workflow';
  constructor(readonly issues: { nodeId?: string; field?: string; path?: string; code: string; message: string }[]) {
    super(`workflow is invalid: ${issues.map((i) => i.message).join('; ')}`);
    this.name = 'JobRejectedError';
  }
}

/**
 * Runs jobs one at a time in submission order, keeping every job in an fsync'd journal so queued jobs
 * and finished records survive a crash; a job that was running when the process died runs again.
 */
export class JobQueue {
  private readonly jobs: Map<string, JobRecord>;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly controllers = new Map<string, AbortController>();
  private running: Promise<void> | undefined;
  private paused: boolean;
  private closed = false;
  private appended = 0;
  private readonly warn: (message: string) => void;

  private constructor(
    private readonly opts: JobQueueOptions,
    private readonly journal: Journal<JobEntry>,
    jobs: Map<string, JobRecord>,
    /** Lines of the journal that could not be read back when the queue opened. */
    readonly warnings: JournalWarning[],
  ) {
    this.jobs = jobs;
    this.paused = opts.paused ?? false;
    this.warn = opts.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
  }

  /** Opens the queue in `opts.dir`, replaying its journal, and starts running queued jobs. */
  static async open(opts: JobQueueOptions): Promise<JobQueue> {
    const { journal, records, warnings } = await Journal.open(opts.dir, JOURNAL_FILE, JobEntrySchema);
    const jobs = new Map([...replayJobs(records)].map(([id, job]) => [id, recoverJob(job)]));
    const queue = new JobQueue(opts, journal, jobs, warnings);
    for (const w of warnings) queue.warn(w.message);
    await queue.compact();
    queue.pump();
    return queue;
  }

  /** Checks the workflow, resolves its seeds, records the job durably, and queues it. */
  async submit(workflow: unknown, opts: SubmitOptions = {}): Promise<JobRecord> {
    if (this.closed) throw new Error('the job queue is closed');
    const loaded = loadWorkflow(workflow, { registry: this.opts.registry });
    if (!loaded.ok) throw new JobRejectedError(loaded.issues);
    const issues = validateWorkflow(loaded.workflow, this.opts.registry, { targets: opts.targets });
    if (issues.length > 0) throw new JobRejectedError(issues);
    const { workflow: seeded, seeds } = resolveSeeds(loaded.workflow, this.opts.registry);
    const id = newJobId();
    const title = opts.title ?? titleOf(seeded);
    const createdAt = Date.now();
    const job: JobRecord = {
      id,
      title,
      status: 'queued',
      workflow: seeded as JobRecord['workflow'],
      seeds,
      ...(opts.targets ? { targets: opts.targets } : {}),
      outDir: opts.outDir ?? this.runFolder(title, createdAt),
      createdAt,
      interruptions: 0,
    };
    await this.append({ op: 'submit', job });
    this.jobs.set(id, job);
    this.emit({ type: 'job-queued', jobId: id, time: Date.now() });
    this.pump();
    return job;
  }

  /** `<time>-<title>` under the queue's outputs folder, unique among the folders of known jobs and on disk. */
  private runFolder(title: string, createdAt: number): string {
    const taken = new Set(this.list().map((j) => j.outDir));
    return freshRunFolder(join(this.opts.dir, 'outputs'), title, new Date(createdAt), taken);
  }

  /** Every job in submission order. */
  list(): JobRecord[] {
    return [...this.jobs.values()];
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Jobs matching the query, newest first. */
  history(query: HistoryQuery = {}): JobRecord[] {
    const statuses = query.status === undefined ? undefined : [query.status].flat();
    const hits = this.list()
      .filter((j) => (statuses ? statuses.includes(j.status) : true))
      .filter((j) => (query.since === undefined ? true : j.createdAt >= query.since))
      .reverse();
    return query.limit === undefined ? hits : hits.slice(0, query.limit);
  }

  /** Cancels one job: a queued one never runs, a running one is aborted. False when already over. */
  async cancel(id: string): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job?.status === 'running') {
      this.controllers.get(id)?.abort();
      return true;
    }
    if (job?.status !== 'queued') return false;
    const time = Date.now();
    await this.update(id, { status: 'cancelled', finishedAt: time });
    // The engine never saw this job, so the queue tells subscribers itself.
    this.emit({ type: 'job-cancelled', jobId: id, time });
    return true;
  }

  /** Calls `listener` with every engine event of every job until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts (or resumes) running queued jobs. */
  start(): void {
    this.paused = false;
    this.pump();
  }

  /** Resolves once no job is running and none can start (the queue is empty or paused). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Takes no more jobs, waits for the running one to end, and closes the journal. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    await this.journal.close();
  }

  private pump(): void {
    if (this.running || this.paused || this.closed) return;
    const next = this.list().find((j) => j.status === 'queued');
    if (!next) return;
    this.running = this.runOne(next)
      .catch((err: unknown) => this.warn(`job ${next.id}: ${toJobError(err).message}`))
      .finally(() => {
        this.running = undefined;
        this.pump();
      });
  }

  private async runOne(job: JobRecord): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    try {
      await this.update(job.id, { status: 'running', startedAt: Date.now() });
      // Loaded again: a job queued before an upgrade migrates to the format the engine now runs.
      const loaded = loadWorkflow(job.workflow, { registry: this.opts.registry });
      if (!loaded.ok) throw new JobRejectedError(loaded.issues);
      const { result, manifestPath } = await runJob(
        { ...job, workflow: loaded.workflow },
        {
          registry: this.opts.registry,
          cache: this.opts.cache,
          signal: controller.signal,
          onEvent: (e) => this.emit(e),
        },
      );
      await this.update(job.id, {
        status: result.status,
        finishedAt: Date.now(),
        nodes: result.nodes,
        manifestPath,
        ...(result.error === undefined ? {} : { error: toJobError(result.error) }),
      });
    } catch (err) {
      // Failed before or around the engine (e.g. a stored workflow that no longer loads): say so here.
      const error = toJobError(err);
      const time = Date.now();
      await this.update(job.id, { status: 'failed', finishedAt: time, error });
      this.emit({ type: 'job-failed', jobId: job.id, time, ...error });
    } finally {
      this.controllers.delete(job.id);
    }
    if (this.appended > COMPACT_AFTER) await this.compact();
  }

  /** Changes a job in memory at once (so cancel and pump see it) and then in the journal. */
  private async update(id: string, patch: JobPatch): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.set(id, { ...job, ...patch });
    await this.append({ op: 'update', id, patch });
  }

  private async append(entry: JobEntry): Promise<void> {
    await this.journal.append(entry);
    this.appended += 1;
  }

  /** Rewrites the journal as one line per job (atomically). */
  private async compact(): Promise<void> {
    await this.journal.rewrite(this.list().map((job) => ({ op: 'submit', job })));
    this.appended = 0;
  }

  /** A listener that throws must not fail the job whose event it was handed. */
  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.warn(`an event listener threw on ${event.type}: ${toJobError(err).message}`);
      }
    }
  }
}
