import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import type { ValueCache } from './cache.ts';
import type { EngineEvent } from './events.ts';
import { lockFolder } from './folder-lock.ts';
import { formatIssue, fromLoadIssue } from './issue-text.ts';
import {
  crashedError,
  type JobEntry,
  JobEntrySchema,
  type JobError,
  type JobPatch,
  type JobRecord,
  MAX_CRASHES,
  newJobId,
  recoverJob,
  replayJobs,
  type StoredJob,
  titleOf,
  toJobError,
} from './job.ts';
import { inProcessRunner, type JobRunner, RunnerCrashedError, type RunSummary } from './job-runner.ts';
import { Journal, type JournalWarning, type OpenFile } from './journal.ts';
import { buildManifest, writeManifest } from './manifest.ts';
import type { HistoryQuery, Queue, SubmitOptions } from './queue-interface.ts';
import type { NodeRegistry } from './registry.ts';
import { removeTempFiles } from './run-files.ts';
import { freshRunFolder } from './run-folder.ts';
import { resolveSeeds } from './seeds.ts';
import { validateWorkflow } from './validate.ts';
import { loadWorkflow } from './workflow.ts';

export type { HistoryQuery, Queue, SubmitOptions } from './queue-interface.ts';

export const JOURNAL_FILE = 'jobs.jsonl';
/** Each job's workflow, one file per job, beside the journal. */
export const WORKFLOWS_DIR = 'workflows';
/** Appended lines after which the journal is rewritten as one line per job. */
const COMPACT_AFTER = 1000;
/** Journal warnings printed one by one; past this, only how many more. */
const WARNINGS_SHOWN = 5;

export interface JobQueueOptions {
  /** The queue's folder: its journal, and job outputs unless a job names its own folder. */
  dir: string;
  registry: NodeRegistry;
  /** Shared by all jobs, so a re-run reuses what an earlier job computed (in-process runs only). */
  cache?: ValueCache;
  /** Where jobs run; in this process by default. */
  runner?: JobRunner;
  /** Deaths of the process running a job after which it fails instead of running again (default 2). */
  maxCrashes?: number;
  /** Leave queued jobs waiting until start(). */
  paused?: boolean;
  /** Where journal warnings (skipped lines) go; stderr by default. */
  warn?: (message: string) => void;
  /** How the journal opens its file (tests inject a full disk). */
  openFile?: OpenFile;
}

/** A workflow the queue will not take, with the problems addressed to nodes and fields. */
export class JobRejectedError extends Error {
  readonly code = 'invalid-workflow';
  constructor(readonly issues: { nodeId?: string; field?: string; path?: string; code: string; message: string }[]) {
    super(`workflow is invalid: ${issues.map(issueText).join('; ')}`);
    this.name = 'JobRejectedError';
  }
}

/** `node a · steps: …` for validation issues, the file path for loader issues, as the CLI prints them. */
function issueText(issue: { nodeId?: string; field?: string; path?: string; code: string; message: string }): string {
  if (issue.nodeId !== undefined) return formatIssue({ ...issue, nodeId: issue.nodeId });
  return formatIssue(fromLoadIssue({ path: issue.path ?? '(root)', code: issue.code, message: issue.message }));
}

const EMPTY_WORKFLOW: JobRecord['workflow'] = { schemaVersion: 2, nodes: {} };

/**
 * Runs jobs one at a time in submission order, keeping every job in an fsync'd journal so queued jobs
 * and finished records survive a crash; a job that was running when the process died runs again, up to
 * `maxCrashes` deaths. One process per folder (a lock file names it); workflows are stored one file per
 * job, so journal lines stay small.
 */
export class JobQueue implements Queue {
  private readonly jobs: Map<string, JobRecord>;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly controllers = new Map<string, AbortController>();
  private running: Promise<void> | undefined;
  private paused: boolean;
  private closed = false;
  private appended = 0;
  private readonly warn: (message: string) => void;
  private readonly runner: JobRunner;

  private constructor(
    private readonly opts: JobQueueOptions,
    private readonly journal: Journal<JobEntry>,
    private readonly unlock: () => Promise<void>,
    jobs: Map<string, JobRecord>,
    /** Lines of the journal that could not be read back when the queue opened. */
    readonly warnings: JournalWarning[],
  ) {
    this.jobs = jobs;
    this.paused = opts.paused ?? false;
    this.warn = opts.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.runner = opts.runner ?? inProcessRunner(opts.registry, opts.cache);
  }

  /**
   * Opens the queue in `opts.dir` (failing with FolderLockedError when another live process has it),
   * replays its journal, moves inline workflows of older journals into their files, and starts running
   * queued jobs.
   */
  static async open(opts: JobQueueOptions): Promise<JobQueue> {
    const unlock = await lockFolder(opts.dir);
    try {
      const { journal, records, warnings } = await Journal.open(opts.dir, JOURNAL_FILE, JobEntrySchema, opts.openFile);
      const jobs = new Map<string, JobRecord>();
      for (const [id, stored] of replayJobs(records)) {
        jobs.set(id, await withWorkflow(opts.dir, recoverJob(stored, opts.maxCrashes ?? MAX_CRASHES)));
      }
      const queue = new JobQueue(opts, journal, unlock, jobs, warnings);
      for (const w of warnings.slice(0, WARNINGS_SHOWN)) queue.warn(w.message);
      if (warnings.length > WARNINGS_SHOWN) queue.warn(`… and ${warnings.length - WARNINGS_SHOWN} more skipped lines`);
      // Compaction needs room for a copy of the journal; on a full disk the queue starts without it.
      await queue.compact().catch((err: Error) => queue.warn(`${err.message}; the journal is kept as it is`));
      queue.pump();
      return queue;
    } catch (err) {
      await unlock();
      throw err;
    }
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
    // The workflow file first: a journal line never names a workflow that is not on disk.
    const file = workflowFile(this.opts.dir, id);
    await mkdir(join(this.opts.dir, WORKFLOWS_DIR), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(job.workflow));
    try {
      await this.append({ op: 'submit', job: stored(job) });
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
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

  /** Takes no more jobs, waits for the running one to end, and closes the journal and the lock. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
    await this.runner.close?.();
    await this.journal.close();
    await this.unlock();
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
    const startedAt = Date.now();
    try {
      await this.update(job.id, { status: 'running', startedAt });
      // Loaded again: a job queued before an upgrade migrates to the format the engine now runs.
      const loaded = loadWorkflow(job.workflow, { registry: this.opts.registry });
      if (!loaded.ok) throw new JobRejectedError(loaded.issues);
      // What an earlier, interrupted attempt left half-written goes first.
      await removeTempFiles(job.outDir);
      const summary = await this.runner.run(
        { ...job, workflow: loaded.workflow },
        { signal: controller.signal, onEvent: (e) => this.emit(e) },
      );
      await this.settle(job, startedAt, summary);
    } catch (err) {
      if (err instanceof RunnerCrashedError) await this.crashed(job, err);
      else await this.fail(job, startedAt, toJobError(err));
    } finally {
      this.controllers.delete(job.id);
    }
    if (this.appended > COMPACT_AFTER) await this.compact();
  }

  /** Records how a run ended; a run stopped by force wrote no manifest, so the queue writes one. */
  private async settle(job: JobRecord, startedAt: number, summary: RunSummary): Promise<void> {
    const time = Date.now();
    let { manifestPath } = summary;
    if (!manifestPath) {
      await removeTempFiles(job.outDir);
      manifestPath = await this.fallbackManifest(job, startedAt, summary.status, summary.error);
      if (summary.status === 'cancelled') this.emit({ type: 'job-cancelled', jobId: job.id, time });
    }
    await this.update(job.id, {
      status: summary.status,
      finishedAt: time,
      nodes: summary.nodes,
      ...(manifestPath ? { manifestPath } : {}),
      ...(summary.savedFiles === undefined ? {} : { savedFiles: summary.savedFiles }),
      ...(summary.error ? { error: summary.error } : {}),
    });
  }

  /** Failed before or around the engine (a stored workflow that no longer loads, a manifest write): said here. */
  private async fail(job: JobRecord, startedAt: number, error: JobError): Promise<void> {
    const time = Date.now();
    const manifestPath = await this.fallbackManifest(job, startedAt, 'failed', error);
    await this.update(job.id, { status: 'failed', finishedAt: time, error, ...(manifestPath ? { manifestPath } : {}) });
    this.emit({ type: 'job-failed', jobId: job.id, time, ...error });
  }

  /** The process running the job died: run it again, or give up after `maxCrashes` deaths. */
  private async crashed(job: JobRecord, err: RunnerCrashedError): Promise<void> {
    await removeTempFiles(job.outDir);
    const interruptions = job.interruptions + 1;
    if (interruptions < (this.opts.maxCrashes ?? MAX_CRASHES)) {
      this.warn(`job ${job.id}: ${err.message}; running it again`);
      await this.update(job.id, { status: 'queued', interruptions });
      this.emit({ type: 'job-queued', jobId: job.id, time: Date.now() });
      return;
    }
    const { startedAt = Date.now() } = this.jobs.get(job.id) ?? {};
    await this.update(job.id, { interruptions });
    await this.fail(job, startedAt, crashedError(interruptions, err.message));
  }

  /** A manifest for a run the engine could not finish writing itself; undefined if even this fails. */
  private async fallbackManifest(
    job: JobRecord,
    startedAt: number,
    status: RunSummary['status'],
    error?: JobError,
  ): Promise<string | undefined> {
    const loaded = loadWorkflow(job.workflow, { registry: this.opts.registry });
    const workflow = loaded.ok ? loaded.workflow : { schemaVersion: 2 as const, nodes: {} };
    try {
      await mkdir(job.outDir, { recursive: true });
      const result = {
        status,
        outputs: {},
        nodes: {},
        facts: {},
        ...(error ? { error: { ...error, inputs: {} } } : {}),
      };
      const run = { ...job, jobId: job.id, workflow, startedAt, finishedAt: Date.now(), result };
      return await writeManifest(job.outDir, await buildManifest(run, this.opts.registry));
    } catch (err) {
      this.warn(`job ${job.id}: ${toJobError(err).message}`);
      return undefined;
    }
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

  /** Rewrites the journal as one line per job (atomically); workflows stay in their files. */
  private async compact(): Promise<void> {
    await this.journal.rewrite(this.list().map((job) => ({ op: 'submit', job: stored(job) })));
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

function workflowFile(dir: string, id: string): string {
  return join(dir, WORKFLOWS_DIR, `${id}.json`);
}

/** The job as its journal line holds it: without the workflow, which has its own file. */
function stored(job: JobRecord): StoredJob {
  const { workflow: _workflow, ...rest } = job;
  return rest;
}

/**
 * A replayed job with its workflow: read from its file, or (an older journal's inline workflow) written
 * to its file now, before the journal is compacted without it. A job whose file is gone cannot run.
 */
async function withWorkflow(dir: string, job: StoredJob): Promise<JobRecord> {
  const file = workflowFile(dir, job.id);
  if (job.workflow) {
    await mkdir(join(dir, WORKFLOWS_DIR), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(job.workflow));
    return { ...job, workflow: job.workflow };
  }
  const workflow = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as JobRecord['workflow'],
    () => undefined,
  );
  if (workflow) return { ...job, workflow };
  if (job.status !== 'queued') return { ...job, workflow: EMPTY_WORKFLOW };
  const error = { code: 'workflow-missing', message: `its workflow file ${file} is missing; it cannot run` };
  return { ...job, workflow: EMPTY_WORKFLOW, status: 'failed', finishedAt: Date.now(), error };
}
