import { redactUrl } from '../farm/redis.ts';
import { type FarmSubmitOptions, RemoteJobs } from '../farm/remote-jobs.ts';
import type { BackendJob } from '../graph-engine/job-backend.ts';
import { JobRejectedError } from '../graph-engine/queue.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { farmUnreachable } from './farm-args.ts';
import { interruptOnSigint } from './interrupt.ts';
import { formatIssue } from './issues.ts';
import type { RunView } from './run-view.ts';

/** Where `--redis` sends jobs, and how this machine sees the workers' shared output folder. */
export interface FarmTarget {
  url: string;
  prefix?: string;
  shared?: string;
  attempts?: number;
  priority?: number;
}

export async function connectFarm(farm: FarmTarget, registry: NodeRegistry): Promise<RemoteJobs> {
  const { url, prefix, shared, attempts } = farm;
  return RemoteJobs.connect({ url, prefix, registry, shared, attempts }).catch(farmUnreachable);
}

/** Submits a job, turning a refusal into the CLI's error (the problems, one per line; exit 1). */
export async function submitTo(jobs: RemoteJobs, workflow: Workflow, opts: FarmSubmitOptions): Promise<BackendJob> {
  try {
    return await jobs.submit(workflow, opts);
  } catch (err) {
    if (err instanceof JobRejectedError) {
      throw new CliError(err.issues.map((i) => formatIssue(i)).join('\n'), EXIT.failed, err.code);
    }
    throw err;
  }
}

/** The exit code of a job's final status. */
export function exitFor(status: string): number {
  return status === 'finished' ? EXIT.ok : status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

/** `finished in 3.1s on worker w1 (cuda)` and the manifest, or the error. */
export function remoteOutcome(job: BackendJob): string {
  const ms = job.finishedAt && job.startedAt ? job.finishedAt - job.startedAt : undefined;
  const time = ms === undefined ? '' : ` in ${(ms / 1000).toFixed(1)}s`;
  const where = job.runner ? ` on ${job.runner.worker} (${job.runner.device ?? 'device unknown'})` : '';
  const error = job.error ? ` — ${job.error.nodeId ? `node ${job.error.nodeId}: ` : ''}${job.error.message}` : '';
  const tries = (job.attempts ?? 0) > 1 ? ` after ${job.attempts} runs` : '';
  return `${job.status}${time}${where}${tries}${error}${job.manifestPath ? `\nmanifest: ${job.manifestPath}` : ''}`;
}

/**
 * `layerflow run … --redis URL`: queues the job on the farm, shows its engine events as a local run
 * would, and waits for it to end; Ctrl-C cancels it on its worker. With `detach`, prints the job id and
 * returns at once.
 */
export async function runRemote(
  workflow: Workflow,
  registry: NodeRegistry,
  view: RunView,
  farm: FarmTarget,
  job: { jobId: string; title: string; targets?: string[]; detach?: boolean },
): Promise<number> {
  const jobs = await connectFarm(farm, registry);
  const unsubscribe = jobs.subscribe((e) => e.jobId === job.jobId && view.event(e));
  try {
    const record = await submitTo(jobs, workflow, { ...job, priority: farm.priority });
    view.say(`job ${record.id} on the farm at ${redactUrl(farm.url)}: ${record.status}`);
    if (job.detach) {
      process.stdout.write(`${record.id}\n`);
      return EXIT.ok;
    }
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => void jobs.cancel(record.id));
    const release = interruptOnSigint(controller, (m) => view.say(m));
    try {
      const final = await jobs.settled(record.id);
      view.say(remoteOutcome(final));
      return exitFor(final.status);
    } finally {
      release();
    }
  } finally {
    unsubscribe();
    await jobs.close();
  }
}
