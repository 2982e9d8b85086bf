import { join } from 'node:path';
import { newJobId } from '../graph-engine/job.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { runJob } from '../graph-engine/run-job.ts';
import { resolveSeeds } from '../graph-engine/seeds.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { CliError, EXIT, UsageError } from './exit-codes.ts';
import { interruptOnSigint } from './interrupt.ts';
import { formatIssue } from './issues.ts';
import { connectFarm, exitFor, type FarmTarget, remoteOutcome, submitTo } from './remote-run.ts';
import type { RunView } from './run-view.ts';
import { applySettings, type ParamSetting } from './set-params.ts';
import { combinations, comboLabel, type SweepAxis } from './sweep.ts';
import { type SweepRun, writeSweepIndex } from './sweep-index.ts';

export interface SweepJob {
  source: string;
  title: string;
  targets?: string[];
  /** Where the index and contact sheet go (and, run here, each run's folder `<out>/<nn>`). */
  out: string;
  /** Job ids are `<prefix>-<nn>`; default a fresh id. */
  jobIdPrefix?: string;
}

/**
 * `layerflow run <preset> --sweep node.param=SPEC …`: one job per combination of the swept values, run
 * here one after another or queued on the farm at once, then an index and a contact sheet of them all.
 */
export async function runSweep(
  base: Workflow,
  registry: NodeRegistry,
  axes: SweepAxis[],
  view: RunView,
  job: SweepJob,
  farm?: FarmTarget,
): Promise<number> {
  const combos = combinations(axes);
  const workflows = combos.map((combo) => applySettings(base, combo, registry));
  const prefix = job.jobIdPrefix ?? newJobId();
  const pad = String(combos.length).length;
  const planned = combos.map((combo, i) => {
    const n = String(i + 1).padStart(pad, '0');
    return { index: i + 1, n, combo, label: comboLabel(combo), jobId: `${prefix}-${n}`, workflow: workflows[i] };
  });
  if (!farm) checkAll(planned, registry, job.targets);
  view.say(
    `sweep: ${combos.length} job${combos.length === 1 ? '' : 's'} (${axes.map((a) => `${a.key} × ${a.values.length}`).join(', ')})`,
  );
  const runs = farm ? await onFarm(planned, registry, view, job, farm) : await here(planned, registry, view, job);
  const written = await writeSweepIndex(
    job.out,
    { source: job.source, axes: axes.map(({ key, values }) => ({ key, values })) },
    runs,
  );
  view.say(
    `index: ${written.index}\n${written.sheet ? `contact sheet: ${written.sheet}` : `no contact sheet: ${written.noSheet}`}`,
  );
  const statuses = runs.map((r) => r.status);
  const worst = statuses.includes('failed') ? 'failed' : statuses.includes('cancelled') ? 'cancelled' : 'finished';
  view.say(`${statuses.filter((s) => s === 'finished').length} of ${runs.length} finished`);
  return exitFor(worst);
}

type Planned = { index: number; n: string; combo: ParamSetting[]; label: string; jobId: string; workflow: Workflow };

function checkAll(planned: Planned[], registry: NodeRegistry, targets?: string[]): void {
  const lines = planned.flatMap((p) =>
    validateWorkflow(p.workflow, registry, { targets }).map((i) => `#${p.index} (${p.label}) ${formatIssue(i)}`),
  );
  if (lines.length) throw new CliError(lines.join('\n'), EXIT.failed, 'invalid-workflow');
}

function settingsOf(combo: ParamSetting[]): Record<string, unknown> {
  return Object.fromEntries(combo.map((s) => [`${s.nodeId}.${s.param}`, s.value]));
}

/** Runs the combinations here, one at a time; Ctrl-C cancels the running one and skips the rest. */
async function here(planned: Planned[], registry: NodeRegistry, view: RunView, job: SweepJob): Promise<SweepRun[]> {
  const controller = new AbortController();
  const release = interruptOnSigint(controller, (m) => view.say(m));
  const runs: SweepRun[] = [];
  try {
    for (const p of planned) {
      const folder = join(job.out, p.n);
      const base = { index: p.index, label: p.label, settings: settingsOf(p.combo), jobId: p.jobId, folder };
      if (controller.signal.aborted) {
        runs.push({ ...base, status: 'cancelled' });
        continue;
      }
      const { workflow, seeds } = resolveSeeds(p.workflow, registry);
      const outcome = await runJob(
        {
          id: p.jobId,
          title: `${job.title} #${p.index} ${p.label}`,
          workflow,
          seeds,
          targets: job.targets,
          outDir: folder,
        },
        { registry, signal: controller.signal, onEvent: (e) => view.event(e) },
      );
      const { status, error } = outcome.result;
      view.say(`#${p.index} ${p.label}: ${status}${error ? ` — ${error.message}` : ''}`);
      runs.push({ ...base, status, ...(error ? { error: error.message } : {}) });
    }
  } finally {
    release();
  }
  return runs;
}

/** Queues every combination on the farm, then waits for all; Ctrl-C cancels those not over yet. */
async function onFarm(
  planned: Planned[],
  registry: NodeRegistry,
  view: RunView,
  job: SweepJob,
  farm: FarmTarget,
): Promise<SweepRun[]> {
  const { shared } = farm;
  if (!shared) {
    throw new UsageError(
      "a sweep on the farm needs --shared DIR (where this machine sees the workers' --out folder) to build its contact sheet",
    );
  }
  const jobs = await connectFarm(farm, registry);
  const ids = new Set(planned.map((p) => p.jobId));
  const unsubscribe = jobs.subscribe((e) => ids.has(e.jobId) && view.event(e));
  const controller = new AbortController();
  controller.signal.addEventListener('abort', () => {
    for (const id of ids) void jobs.cancel(id);
  });
  const release = interruptOnSigint(controller, (m) => view.say(m));
  try {
    for (const p of planned) {
      await submitTo(jobs, p.workflow, {
        jobId: p.jobId,
        title: `${job.title} #${p.index} ${p.label}`,
        targets: job.targets,
        priority: farm.priority,
      });
    }
    view.say(`queued ${planned.length} jobs (${planned[0].jobId} … ${planned[planned.length - 1].jobId})`);
    return await Promise.all(
      planned.map(async (p) => {
        const final = await jobs.settled(p.jobId);
        view.say(`#${p.index} ${p.label}: ${remoteOutcome(final).split('\n')[0]}`);
        const base = { index: p.index, label: p.label, settings: settingsOf(p.combo), jobId: p.jobId };
        return {
          ...base,
          status: final.status,
          folder: join(shared, p.jobId),
          ...(final.error ? { error: final.error.message } : {}),
        };
      }),
    );
  } finally {
    release();
    unsubscribe();
    await jobs.close();
  }
}
