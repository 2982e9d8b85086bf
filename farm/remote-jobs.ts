import { hostname } from 'node:os';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EngineEvent } from '../graph-engine/events.ts';
import { newJobId, titleOf } from '../graph-engine/job.ts';
import type { BackendJob, BackendSubmitOptions, JobBackend } from '../graph-engine/job-backend.ts';
import { JobRejectedError } from '../graph-engine/queue.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { resolveSeeds } from '../graph-engine/seeds.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import type { ValidationError } from '../graph-engine/validation-error.ts';
import { loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { type WorkerAdvert, WorkerAdvertSchema } from './advert.ts';
import { recordOf } from './job-record.ts';
import { type FarmKeys, farmKeys } from './keys.ts';
import { PackNeedError, packNeeds } from './pack-needs.ts';
import { type FarmJobData, FarmJobIdSchema, type PackNeed, parseMessage } from './payload.ts';
import { connectRedis, redactUrl, whenReady } from './redis.ts';
import { readRoutes, routeOf } from './routes.ts';

export interface RemoteJobsOptions {
  url: string;
  prefix?: string;
  registry: NodeRegistry;
  /** This machine's mount of the workers' shared output folder, if it has one. */
  shared?: string;
  /** Runs a job gets before it ends failed (retries after a node error; default 2). */
  attempts?: number;
  /** First retry delay, doubled for each further one. */
  backoffMs?: number;
}

export interface FarmSubmitOptions extends BackendSubmitOptions {
  /** Submitting the same id again returns the job already there instead of adding another. */
  jobId?: string;
  /** BullMQ priority: 1 runs first; unset runs before all prioritised jobs, in order. */
  priority?: number;
  attempts?: number;
}

/** Finished and failed jobs kept per queue for history (and idempotent re-submission) before BullMQ trims them. */
const KEEP = { count: 2000, age: 30 * 24 * 3600 };
/** Newest jobs per state and queue that list() returns (the editor refreshes it on every job event). */
const LIST_LIMIT = 200;
const STATES = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'] as const;
/** Pub/sub is at-most-once: while waiting for a job to end, look at its state this often too. */
const SETTLE_POLL_MS = 2000;
const CANCEL_MARK_S = 30 * 24 * 3600;
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * The farm seen from a submitter (`layerflow run --redis`, `layerflow serve --redis`): jobs go into BullMQ
 * queues routed by the packs they need; engine events come back from the workers over pub/sub; job
 * records are BullMQ's jobs with what their worker reported.
 */
export class RemoteJobs implements JobBackend {
  private readonly keys: FarmKeys;
  private readonly queues = new Map<string, Queue>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly settleWaiters = new Set<(jobId: string) => void>();

  private constructor(
    private readonly opts: RemoteJobsOptions,
    private readonly redis: Redis,
    private readonly sub: Redis,
  ) {
    this.keys = farmKeys(opts.prefix);
  }

  /** Connects to the farm's Redis and starts listening to its workers. */
  static async connect(opts: RemoteJobsOptions): Promise<RemoteJobs> {
    const redis = connectRedis(opts.url);
    const sub = connectRedis(opts.url);
    const jobs = new RemoteJobs(opts, redis, sub);
    const where = redactUrl(opts.url);
    // A submitter has someone waiting: it gives up on an unreachable Redis instead of retrying forever.
    await Promise.all([redis, sub].map((r) => whenReady(r, opts.url, CONNECT_TIMEOUT_MS))).catch((err) => {
      redis.disconnect();
      sub.disconnect();
      throw err;
    });
    for (const r of [redis, sub])
      r.on('error', (err: Error) => process.stderr.write(`redis ${where}: ${err.message}\n`));
    sub.on('message', (_channel: string, text: string) => jobs.onMessage(text));
    await sub.subscribe(jobs.keys.events);
    return jobs;
  }

  async validate(workflow: Workflow, targets?: string[]): Promise<ValidationError[]> {
    return (await this.check(workflow, targets)).issues;
  }

  async submit(workflow: unknown, opts: FarmSubmitOptions = {}): Promise<BackendJob> {
    const { registry } = this.opts;
    const loaded = loadWorkflow(workflow, { registry });
    if (!loaded.ok) throw new JobRejectedError(loaded.issues);
    const { needs, issues } = await this.check(loaded.workflow, opts.targets);
    if (issues.length > 0) throw new JobRejectedError(issues);
    const jobId = FarmJobIdSchema.parse(opts.jobId ?? newJobId());
    const { workflow: seeded, seeds } = resolveSeeds(loaded.workflow, registry);
    const { queue, route } = routeOf(needs);
    await this.redis.hset(this.keys.routes, queue, JSON.stringify(route));
    // The first submission of an id picks its queue; later ones land on the same job.
    await this.redis.hsetnx(this.keys.jobs, jobId, queue);
    const home = (await this.redis.hget(this.keys.jobs, jobId)) ?? queue;
    const data: FarmJobData = {
      v: 1,
      title: opts.title ?? titleOf(seeded),
      workflow: seeded as FarmJobData['workflow'],
      seeds,
      ...(opts.targets ? { targets: opts.targets } : {}),
      packs: needs,
      submittedAt: Date.now(),
      submitter: hostname(),
    };
    const before = await this.queue(home).getJob(jobId);
    if (!before) {
      const attempts = opts.attempts ?? this.opts.attempts ?? 2;
      await this.queue(home).add(data.title.slice(0, 200), data, {
        jobId,
        attempts,
        backoff: { type: 'exponential', delay: this.opts.backoffMs ?? 5000 },
        ...(opts.priority ? { priority: opts.priority } : {}),
        removeOnComplete: KEEP,
        removeOnFail: KEEP,
      });
      await this.redis.publish(this.keys.wake, home);
      this.publishEvent({ type: 'job-queued', jobId, time: Date.now() });
    }
    const record = await this.get(jobId);
    if (!record) throw new Error(`job ${jobId} vanished from queue ${home} right after it was added`);
    return record;
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = await this.get(jobId);
    if (!job || job.status === 'finished' || job.status === 'failed' || job.status === 'cancelled') return false;
    await this.redis.set(this.keys.cancelled(jobId), '1', 'EX', CANCEL_MARK_S);
    await this.redis.publish(this.keys.cancel, jobId);
    // A queued job never reaches the engine here, so its cancellation is announced by whoever cancels it.
    if (job.status === 'queued') this.publishEvent({ type: 'job-cancelled', jobId, time: Date.now() });
    return true;
  }

  /** The newest jobs of every state in every queue (up to LIST_LIMIT each), oldest first. */
  async list(): Promise<BackendJob[]> {
    const records: BackendJob[] = [];
    for (const name of (await readRoutes(this.redis, this.keys)).keys()) {
      for (const state of STATES) {
        const jobs = await this.queue(name).getJobs([state], 0, LIST_LIMIT - 1, false);
        records.push(...(await this.records(jobs, state)));
      }
    }
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  async get(jobId: string): Promise<BackendJob | undefined> {
    if (!FarmJobIdSchema.safeParse(jobId).success) return undefined;
    const home = await this.redis.hget(this.keys.jobs, jobId);
    if (!home) return undefined;
    // The state first, then the job: its data is then at least as new as the state (read the other way
    // round, a job fetched while waiting and found completed a moment later would show no runner).
    const state = await this.queue(home).getJobState(jobId);
    const job = await this.queue(home).getJob(jobId);
    if (!job) return undefined;
    const [record] = await this.records([job], state);
    return record;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the job's record once it has ended (finished, failed or cancelled). */
  settled(jobId: string): Promise<BackendJob> {
    return new Promise((resolve, reject) => {
      let checking = false;
      const check = async () => {
        if (checking) return;
        checking = true;
        try {
          const job = await this.get(jobId);
          if (!job) throw new Error(`no job "${jobId}" in the farm`);
          if (job.status !== 'queued' && job.status !== 'running') {
            stop();
            resolve(job);
          }
        } catch (err) {
          stop();
          reject(err);
        } finally {
          checking = false;
        }
      };
      const onSettled = (id: string) => id === jobId && void check();
      const timer = setInterval(() => void check(), SETTLE_POLL_MS);
      const stop = () => {
        clearInterval(timer);
        this.settleWaiters.delete(onSettled);
      };
      this.settleWaiters.add(onSettled);
      void check();
    });
  }

  /** Live workers' adverts (expired ones are dropped from the set). */
  async workers(): Promise<WorkerAdvert[]> {
    const ids = await this.redis.smembers(this.keys.workers);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => this.keys.worker(id)));
    const adverts: WorkerAdvert[] = [];
    const gone: string[] = [];
    texts.forEach((text, i) => {
      const parsed = text ? WorkerAdvertSchema.safeParse(JSON.parse(text)) : undefined;
      if (parsed?.success) adverts.push(parsed.data);
      else gone.push(ids[i]);
    });
    if (gone.length) await this.redis.srem(this.keys.workers, ...gone);
    return adverts.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Jobs waiting, running, finished and failed per queue, with the packs each queue's jobs need. */
  async queueCounts(): Promise<{ queue: string; packs: string[]; counts: Record<string, number> }[]> {
    const out = [];
    for (const [name, route] of await readRoutes(this.redis, this.keys)) {
      const counts = await this.queue(name).getJobCounts(...STATES);
      out.push({ queue: name, packs: route.packs.map((p) => p.name), counts });
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.sub.disconnect();
    await this.redis.quit().catch(() => undefined);
  }

  /**
   * The packs the workflow needs (by content) and what stops it: validation as everywhere, except that a
   * pack this machine lacks is fine when live workers hold it, and a pack nobody holds is a problem.
   */
  private async check(
    workflow: Workflow,
    targets?: string[],
  ): Promise<{ needs: PackNeed[]; issues: ValidationError[] }> {
    const { registry } = this.opts;
    let needs: PackNeed[] = [];
    const unavailable: ValidationError[] = [];
    try {
      needs = await packNeeds(workflow, registry, targets, () => this.workers());
    } catch (err) {
      if (!(err instanceof PackNeedError)) throw err;
      unavailable.push({ nodeId: err.nodeId, field: 'pack', code: err.code, message: err.message });
    }
    const remote = new Set(needs.map((n) => n.nodeId));
    const issues = validateWorkflow(workflow, registry, { targets }).filter(
      (i) => !(i.code === 'pack-not-found' && (remote.has(i.nodeId) || unavailable.some((u) => u.nodeId === i.nodeId))),
    );
    return { needs, issues: [...unavailable, ...issues] };
  }

  private async records(jobs: Job[], state: string): Promise<BackendJob[]> {
    const present = jobs.filter((j) => j?.id);
    if (present.length === 0) return [];
    const marks = await this.redis.mget(present.map((j) => this.keys.cancelled(j.id as string)));
    return present.map((job, i) => recordOf(job, state, marks[i] !== null, this.opts.shared));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.keys.bull });
      queue.on('error', (err) => process.stderr.write(`queue ${name}: ${err.message}\n`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  private onMessage(text: string): void {
    const message = parseMessage(text);
    if (!message) return;
    if (message.kind === 'settled') {
      for (const waiter of [...this.settleWaiters]) waiter(message.jobId);
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(message.event);
      } catch (err) {
        process.stderr.write(`an event listener threw on ${message.event.type}: ${(err as Error).message}\n`);
      }
    }
    if (message.event.type.startsWith('job-'))
      for (const waiter of [...this.settleWaiters]) waiter(message.event.jobId);
  }

  private publishEvent(event: EngineEvent): void {
    const message = { kind: 'event', worker: `submitter@${hostname()}`, event };
    this.redis.publish(this.keys.events, JSON.stringify(message)).catch(() => undefined);
  }
}
