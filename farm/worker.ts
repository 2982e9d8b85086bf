import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { freemem, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { appInfo } from '../graph-engine/app-version.ts';
import type { EngineEvent } from '../graph-engine/events.ts';
import { type JobError, toJobError } from '../graph-engine/job.ts';
import type { Runner } from '../graph-engine/manifest.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { runJob } from '../graph-engine/run-job.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { memoryFacts } from '../models/session/memory.ts';
import { device, providerPlan } from '../models/session/sessions.ts';
import type { WorkerAdvert } from './advert.ts';
import { confineWorkflow } from './confine.ts';
import { type FarmKeys, farmKeys } from './keys.ts';
import { LockKeeper } from './lock-keeper.ts';
import {
  type FarmJobData,
  FarmJobDataSchema,
  FarmJobIdSchema,
  type FarmMessage,
  type FarmProgress,
} from './payload.ts';
import { connectRedis, whenReady } from './redis.ts';
import { canServe, readRoutes } from './routes.ts';
import { placeRunFolder } from './run-folder.ts';
import type { LocalPack } from './worker-packs.ts';

export interface FarmWorkerOptions {
  url: string;
  prefix?: string;
  registry: NodeRegistry;
  /** The shared output folder: each job's run folder is `<out>/<jobId>`. */
  out: string;
  packs: Map<string, LocalPack>;
  /** Folders file-reading nodes may read under (real paths). */
  readRoots: string[];
  /** Jobs run at once (one per GPU is the rule). */
  concurrency: number;
  /**
   * How long a job stays locked past its last renewal: a worker killed mid-job has its job taken over
   * about this long (plus one stalled check) later. Renewals come from a thread of their own, so steps
   * that block the main thread longer than this do not lose the job (see lock-keeper.ts).
   */
  lockMs: number;
  /** How long the main thread may stay blocked (one session load or sampler step) before it counts as hung. */
  maxBlockMs: number;
  /** How often this worker looks for jobs whose worker died (BullMQ's stalled check). */
  stalledMs: number;
  /** Times a job may lose its worker and be run again before it ends failed. */
  maxStalled: number;
  /** How often an idle worker looks for jobs without being woken (delayed retries, missed wake-ups). */
  pollMs: number;
  id?: string;
  log?: (line: string) => void;
}

interface Running {
  job: Job;
  token: string;
  controller: AbortController;
  /** Why the run was stopped from outside: the user cancelled it, the worker is returning it, or lost it. */
  stop?: 'cancel' | 'return' | 'lost';
}

const HEARTBEAT_MS = 5000;
const ADVERT_TTL_S = 20;

/**
 * `layerflow worker`: takes jobs from the farm's BullMQ queues it can serve (those whose packs it holds)
 * and runs them with the same engine as a local run, `concurrency` at a time. It fetches only with a
 * free slot (BullMQ's manual fetching), so it never holds a job it cannot start; renews each job's
 * lock while it runs; stops a job within one sampler step when it is cancelled; and writes each run
 * folder into the shared output folder with a manifest naming the worker and device.
 */
export class FarmWorker {
  readonly id: string;
  private readonly keys: FarmKeys;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly queues = new Map<string, Worker>();
  private readonly running = new Map<string, Running>();
  private readonly wakers = new Set<() => void>();
  private readonly log: (line: string) => void;
  private readonly startedAt = Date.now();
  private slots: Promise<void>[] = [];
  private turn = 0;
  private draining = false;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private locks!: LockKeeper;

  private constructor(private readonly opts: FarmWorkerOptions) {
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.keys = farmKeys(opts.prefix);
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.redis = connectRedis(opts.url);
    this.sub = connectRedis(opts.url);
    for (const r of [this.redis, this.sub]) r.on('error', (err: Error) => this.log(`redis: ${err.message}`));
  }

  /** Connects, advertises itself and starts taking jobs. */
  static async start(opts: FarmWorkerOptions): Promise<FarmWorker> {
    const worker = new FarmWorker(opts);
    // A worker waits for Redis to come up, but not for a password that will never work.
    await Promise.all([worker.redis, worker.sub].map((r) => whenReady(r, opts.url))).catch((err) => {
      worker.redis.disconnect();
      worker.sub.disconnect();
      throw err;
    });
    const { lockMs, maxBlockMs } = opts;
    worker.locks = await LockKeeper.start(
      { url: opts.url, prefix: worker.keys.bull, lockMs, renewMs: Math.max(250, lockMs / 3), maxBlockMs },
      (jobId) => {
        const run = worker.running.get(jobId);
        if (run) worker.abort(run, 'lost');
      },
      worker.log,
    );
    await worker.listen();
    await worker.refreshQueues();
    await worker.advertise();
    worker.heartbeat = setInterval(() => void worker.advertise(), HEARTBEAT_MS);
    worker.slots = Array.from({ length: opts.concurrency }, () => worker.slot());
    return worker;
  }

  /**
   * Graceful stop: takes no new jobs, lets running ones finish for up to `graceMs`, then returns the
   * rest to the queue (each stops within one sampler step and goes back to the head of its queue).
   */
  async stop(graceMs: number): Promise<void> {
    this.draining = true;
    this.wakeAll();
    await this.advertise();
    for (const id of this.running.keys()) {
      const message = `${this.id} is shutting down: finishing this job within ${graceMs / 1000} s, else returning it to the queue`;
      this.publishEvent({ type: 'log', jobId: id, time: Date.now(), level: 'warn', message });
    }
    const grace = setTimeout(() => {
      for (const run of this.running.values()) this.abort(run, 'return');
    }, graceMs);
    await Promise.all(this.slots);
    clearTimeout(grace);
    clearInterval(this.heartbeat);
    this.closed = true;
    await this.redis.multi().del(this.keys.worker(this.id)).srem(this.keys.workers, this.id).exec();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.locks.close();
    this.sub.disconnect();
    await this.redis.quit();
  }

  private async listen(): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.keys.cancel) {
        const run = this.running.get(text);
        if (!run) return;
        // Said before the abort, on the connection progress goes out on: what follows it is the step in flight.
        const message = `cancel received by ${this.id}; stopping after the current step`;
        this.publishEvent({ type: 'log', jobId: text, time: Date.now(), level: 'info', message });
        this.abort(run, 'cancel');
      } else if (channel === this.keys.wake) {
        if (this.queues.has(text)) this.wakeAll();
        else void this.refreshQueues().then(() => this.wakeAll(), this.warnRefresh);
      }
    });
    await this.sub.subscribe(this.keys.cancel, this.keys.wake);
  }

  /** Starts a BullMQ worker (manual fetching) for every route whose packs this worker holds all of. */
  private async refreshQueues(): Promise<void> {
    const hashes = new Set(this.opts.packs.keys());
    for (const [name, route] of await readRoutes(this.redis, this.keys)) {
      if (this.queues.has(name) || !canServe(route, hashes)) continue;
      const queue = new Worker(name, null, {
        connection: this.redis,
        prefix: this.keys.bull,
        autorun: false,
        lockDuration: this.opts.lockMs,
        stalledInterval: this.opts.stalledMs,
        maxStalledCount: this.opts.maxStalled,
        name: this.id,
      });
      queue.on('error', (err) => this.log(`queue ${name}: ${err.message}`));
      queue.on('stalled', (jobId) => void this.requeued(jobId, name));
      this.queues.set(name, queue);
      void queue.startStalledCheckTimer().catch((err: Error) => this.log(`stalled check on ${name}: ${err.message}`));
    }
  }

  /** One slot: fetch a job when there is one, run it, repeat; otherwise wait to be woken. */
  private async slot(): Promise<void> {
    while (!this.draining) {
      const next = await this.fetch();
      if (next) await this.process(next.job, next.token);
      else await this.idle();
    }
  }

  /** The next job from any queue this worker serves, trying them in turn so none starves. */
  private async fetch(): Promise<{ job: Job; token: string } | undefined> {
    const queues = [...this.queues.values()];
    const start = this.turn++;
    for (let i = 0; i < queues.length && !this.draining; i++) {
      const token = `${this.id}:${randomUUID()}`;
      const queue = queues[(start + i) % queues.length];
      const job = await queue.getNextJob(token, { block: false }).catch((err: Error) => {
        this.log(`fetch from ${queue.name}: ${err.message}`);
        return undefined;
      });
      if (job) return { job, token };
    }
    return undefined;
  }

  /** Waits for a wake-up (a job submitted, requeued or cancelled) or the poll interval. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(() => void this.refreshQueues().catch(this.warnRefresh).finally(done), this.opts.pollMs);
      this.wakers.add(done);
    });
  }

  private readonly warnRefresh = (err: Error) => this.log(`reading the farm's queues: ${err.message}`);

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private async process(job: Job, token: string): Promise<void> {
    const run: Running = { job, token, controller: new AbortController() };
    const id = job.id as string;
    this.running.set(id, run);
    void this.advertise();
    this.locks.hold(job.queueName, id, token);
    try {
      await this.execute(run);
    } catch (err) {
      this.log(`job ${id}: ${(err as Error).message}`);
    } finally {
      this.locks.release(id);
      this.running.delete(id);
      void this.advertise();
    }
  }

  /** Checks the job, runs it through the engine, and moves it to completed, failed or back to wait. */
  private async execute(run: Running): Promise<void> {
    const { job } = run;
    const id = job.id as string;
    // BullMQ's stalled check marks a job that lost its worker more than --max-stalled times; its own
    // processor fails such a job when fetched, and a manual fetcher must do the same or it runs forever.
    if (job.deferredFailure) {
      const message = `${job.deferredFailure}: its workers stopped renewing its lock ${job.stalledCounter} times (killed, or one step longer than --max-step-seconds)`;
      return this.fail(run, { code: 'stalled', message }, true);
    }
    const data = FarmJobDataSchema.safeParse(job.data);
    const idOk = FarmJobIdSchema.safeParse(id);
    if (!data.success || !idOk.success) {
      const why = idOk.success ? data.error?.issues[0]?.message : 'its id is not a safe folder name';
      return this.fail(run, { code: 'bad-job', message: `job ${id} is not a LayerFlow farm job: ${why}` }, true);
    }
    if (await this.redis.exists(this.keys.cancelled(id))) return this.cancelled(run);
    const checked = await this.check(data.data);
    if ('error' in checked) return this.fail(run, checked.error, true);
    this.log(`job ${id} "${data.data.title}": started`);
    await this.report(run, { status: 'running', runner: this.runner(), startedAt: Date.now() });
    this.publishEvent({ type: 'log', jobId: id, time: Date.now(), level: 'info', message: `running on ${this.id}` });
    const attemptDir = join(this.opts.out, `.${id}.attempt-${randomBytes(4).toString('hex')}`);
    const outcome = await runJob(
      {
        id,
        title: data.data.title,
        workflow: checked.workflow,
        seeds: data.data.seeds,
        targets: data.data.targets,
        outDir: attemptDir,
      },
      {
        registry: this.opts.registry,
        signal: run.controller.signal,
        // A run that lost its job speaks no more for it (another worker runs it), and a run being
        // returned is not cancelled: the job goes back to the queue.
        onEvent: (e) => {
          if (run.stop === 'lost' || (run.stop === 'return' && e.type === 'job-cancelled')) return;
          this.publishEvent(e);
        },
        runner: () => this.runner(),
      },
    );
    const { status, nodes, error } = outcome.result;
    if (run.stop === 'lost' || (run.stop === 'return' && status !== 'finished')) {
      await rm(attemptDir, { recursive: true, force: true });
      if (run.stop === 'return') return this.giveBack(run);
      return this.log(`job ${id}: lost its lock (another worker has it now); dropped this run`);
    }
    const placed = await placeRunFolder(attemptDir, join(this.opts.out, id));
    const manifestPath = join(this.opts.out, id, 'manifest.json');
    const nodeTimes = Object.fromEntries(Object.entries(nodes).map(([n, r]) => [n, { ms: r.ms, cached: r.cached }]));
    const final: FarmProgress = {
      status,
      runner: this.runner(),
      nodes: nodeTimes,
      manifestPath,
      savedFiles: outcome.manifest.files.length,
      ...(error ? { error: toJobError(error) } : {}),
    };
    this.log(`job ${id}: ${status} in ${(outcome.manifest.ms / 1000).toFixed(1)} s`);
    if (!placed) this.log(`job ${id}: a finished run of it is already in ${this.opts.out}; kept that one`);
    if (status === 'finished') {
      await this.report(run, final);
      await job.moveToCompleted(final, run.token, false);
      return this.settle(id, 'completed');
    }
    if (status === 'cancelled') return this.cancelled(run, final);
    return this.fail(run, toJobError(error), error?.code === 'invalid-workflow', final);
  }

  /** Loads, validates and confines the job's workflow here, never trusting what the queue holds. */
  private async check(data: FarmJobData): Promise<{ workflow: Workflow } | { error: JobError }> {
    const { registry } = this.opts;
    const loaded = loadWorkflow(data.workflow, { registry });
    if (!loaded.ok) {
      return {
        error: { code: 'invalid-workflow', message: loaded.issues.map((i) => `${i.path}: ${i.message}`).join('; ') },
      };
    }
    // Packs first: validation reads the pack a param names, which must be this worker's own copy.
    const confined = await confineWorkflow(loaded.workflow, registry, data.targets, data.packs, {
      readRoots: this.opts.readRoots,
      packs: this.opts.packs,
    });
    const all = confined.issues.length
      ? confined.issues
      : validateWorkflow(confined.workflow, registry, { targets: data.targets });
    if (all.length === 0) return { workflow: confined.workflow };
    const first = all[0];
    const message = all.map((i) => `node ${i.nodeId}${i.field ? ` · ${i.field}` : ''}: ${i.message}`).join('; ');
    const code = confined.issues.length ? first.code : 'invalid-workflow';
    return { error: { code, message, nodeId: first.nodeId } };
  }

  /** Ends the job failed with its error; BullMQ retries it while attempts remain, unless `final`. */
  private async fail(run: Running, error: JobError, final: boolean, progress?: FarmProgress): Promise<void> {
    const { job } = run;
    const id = job.id as string;
    await this.report(run, { ...(progress ?? { status: 'failed', runner: this.runner() }), status: 'failed', error });
    if (!progress) this.publishEvent({ type: 'job-failed', jobId: id, time: Date.now(), ...error });
    const err = final ? new UnrecoverableError(error.message) : new Error(error.message);
    const retry = !final && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    await job.moveToFailed(err, run.token, false);
    if (retry) {
      this.publishEvent({ type: 'job-queued', jobId: id, time: Date.now() });
      this.settle(id, 'retrying');
      this.wake(job.queueName);
    } else this.settle(id, 'failed');
  }

  /** Ends a cancelled job: failed in BullMQ terms (never retried), `cancelled` in the job's progress. */
  private async cancelled(run: Running, progress?: FarmProgress): Promise<void> {
    const id = run.job.id as string;
    await this.report(run, { ...(progress ?? { runner: this.runner() }), status: 'cancelled' });
    if (!progress) this.publishEvent({ type: 'job-cancelled', jobId: id, time: Date.now() });
    await run.job.moveToFailed(new UnrecoverableError('cancelled'), run.token, false);
    this.settle(id, 'failed');
  }

  /** Puts a job this worker will not finish back at the head of its queue for another worker. */
  private async giveBack(run: Running): Promise<void> {
    const id = run.job.id as string;
    await run.job.moveToWait(run.token);
    this.publishEvent({ type: 'job-queued', jobId: id, time: Date.now() });
    this.publishEvent({
      type: 'log',
      jobId: id,
      time: Date.now(),
      level: 'warn',
      message: `${this.id} is shutting down; job returned to the queue`,
    });
    this.settle(id, 'returned');
    this.wake(run.job.queueName);
  }

  /** A job whose worker died went back to wait (found by this worker's stalled check). */
  private async requeued(jobId: string, queue: string): Promise<void> {
    const message = `its worker stopped renewing the job's lock (crashed or killed); queued again`;
    this.publishEvent({ type: 'job-queued', jobId, time: Date.now() });
    this.publishEvent({ type: 'log', jobId, time: Date.now(), level: 'warn', message });
    this.log(`job ${jobId}: ${message}`);
    this.wake(queue);
  }

  private abort(run: Running, why: NonNullable<Running['stop']>): void {
    run.stop ??= why;
    run.controller.abort(new Error(why));
  }

  private async report(run: Running, progress: FarmProgress): Promise<void> {
    await run.job.updateProgress(progress);
  }

  private runner(): Runner {
    return { worker: this.id, host: hostname(), device: device().provider };
  }

  private publish(message: FarmMessage): void {
    this.redis.publish(this.keys.events, JSON.stringify(message)).catch(() => undefined);
  }

  private publishEvent(event: EngineEvent): void {
    this.publish({ kind: 'event', worker: this.id, event });
  }

  private settle(jobId: string, state: Extract<FarmMessage, { kind: 'settled' }>['state']): void {
    this.publish({ kind: 'settled', worker: this.id, jobId, state });
  }

  private wake(queue: string): void {
    this.redis.publish(this.keys.wake, queue).catch(() => undefined);
  }

  /** Writes this worker's advert (packs, device, free memory, running jobs) with a time to live. */
  private async advertise(): Promise<void> {
    if (this.closed) return;
    const provider = device().provider;
    const mem = await memoryFacts(provider);
    const advert: WorkerAdvert = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      version: appInfo().version,
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
      concurrency: this.opts.concurrency,
      packs: [...this.opts.packs.values()].map((p) => ({
        name: p.name,
        sha256: p.sha256,
        kind: p.kind,
        variant: p.variant,
      })),
      device: { provider, plan: providerPlan().order },
      memory: { freeBytes: freemem(), totalBytes: totalmem(), ...(mem.gpu ? { gpu: mem.gpu } : {}) },
      running: [...this.running.keys()],
      queues: [...this.queues.keys()],
      state: this.draining ? 'draining' : 'ready',
    };
    if (this.closed) return;
    await this.redis
      .multi()
      .set(this.keys.worker(this.id), JSON.stringify(advert), 'EX', ADVERT_TTL_S)
      .sadd(this.keys.workers, this.id)
      .exec()
      .catch((err: Error) => this.log(`advert: ${err.message}`));
  }
}
