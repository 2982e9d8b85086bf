import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { newJobId, titleOf } from '../graph-engine/job.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import { runJob } from '../graph-engine/run-job.ts';
import { resolveSeeds } from '../graph-engine/seeds.ts';
import { validateWorkflow } from '../graph-engine/validate.ts';
import { loadWorkflow, type Workflow } from '../graph-engine/workflow.ts';
import { setSessionPolicy } from '../models/session/sessions.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { redisUrl, wholeNumber } from './farm-args.ts';
import { COMMAND_HELP } from './help.ts';
import { interruptOnSigint } from './interrupt.ts';
import { type CliIssue, formatIssue, fromLoadIssue } from './issues.ts';
import { registryWithPacks } from './node-pack.ts';
import { defaultOutDir } from './out-dir.ts';
import { presetHelp } from './preset-help.ts';
import { progressView } from './progress-view.ts';
import { type FarmTarget, runRemote } from './remote-run.ts';
import { jsonLinesView, type RunView } from './run-view.ts';
import { applySettings, parseSetting } from './set-params.ts';
import { parseSweep } from './sweep.ts';
import { runSweep } from './sweep-run.ts';
import { readWorkflowSource } from './workflow-source.ts';

const options = {
  set: { type: 'string', multiple: true },
  sweep: { type: 'string', multiple: true },
  target: { type: 'string', multiple: true },
  out: { type: 'string' },
  json: { type: 'boolean' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'node-pack': { type: 'string', multiple: true },
  redis: { type: 'string' },
  shared: { type: 'string' },
  'job-id': { type: 'string' },
  detach: { type: 'boolean' },
  priority: { type: 'string' },
  attempts: { type: 'string' },
  prefix: { type: 'string' },
} as const;
type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof options }>>['values'];

/**
 * `layerflow run <workflow|preset> [--set n.p=v …] [--sweep n.p=SPEC …] [--target id …] [--out dir]
 * [--json] [--redis URL …]`: here, or on the farm with --redis; one job, or one per sweep combination.
 */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (values.help && positionals.length === 0) {
    process.stdout.write(COMMAND_HELP.run);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('run takes one workflow file or preset name');
  const settings = (values.set ?? []).map(parseSetting);
  const axes = (values.sweep ?? []).map(parseSweep);
  const source = await readWorkflowSource(positionals[0], values.data);
  const registry = await registryWithPacks(values['node-pack'] ?? []);
  const loaded = loadWorkflow(source.json, { registry });
  if (!loaded.ok) return printIssues(loaded.issues.map(fromLoadIssue));
  if (values.help) {
    process.stdout.write(presetHelp(source, loaded.workflow, registry));
    return EXIT.ok;
  }
  const workflow = applySettings(loaded.workflow, settings, registry);
  checkTargets(workflow, values.target);
  const farm = farmTarget(values);
  const title = titleOf(workflow as { meta?: { title?: string } }, source.name);
  const view = values.json || !process.stdout.isTTY ? jsonLinesView() : progressView(process.stdout);
  if (axes.length > 0) {
    const out = resolve(values.out ?? defaultOutDir(`${source.name}-sweep`));
    const job = { source: positionals[0], title, targets: values.target, out, jobIdPrefix: values['job-id'] };
    return runSweep(workflow, registry, axes, view, job, farm);
  }
  if (farm) {
    if (values.out)
      throw new UsageError('--out is for runs here; on the farm, workers write to their --out (see --shared)');
    const jobId = values['job-id'] ?? newJobId();
    return runRemote(workflow, registry, view, farm, { jobId, title, targets: values.target, detach: values.detach });
  }
  const issues = validateWorkflow(workflow, registry, { targets: values.target });
  if (issues.length > 0) return printIssues(issues);
  return execute(workflow, registry, view, {
    title,
    targets: values.target,
    outDir: resolve(values.out ?? defaultOutDir(title)),
  });
}

/** The farm options, when --redis (or LAYERFLOW_REDIS with a farm option) asks for the farm. */
function farmTarget(values: Values): FarmTarget | undefined {
  const farmOnly = ['shared', 'detach', 'priority', 'attempts', 'prefix'] as const;
  const url = values.redis ?? process.env.LAYERFLOW_REDIS;
  if (url === undefined) {
    const stray = farmOnly.find((k) => values[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --redis URL (it is about running on the farm)`);
    return undefined;
  }
  return {
    url: redisUrl(url),
    prefix: values.prefix,
    shared: values.shared === undefined ? undefined : resolve(values.shared),
    priority: values.priority === undefined ? undefined : wholeNumber(values.priority, 0, '--priority', 1),
    attempts: values.attempts === undefined ? undefined : wholeNumber(values.attempts, 2, '--attempts', 1),
  };
}

/** Runs the checked workflow with Ctrl-C wired to cancellation; returns the exit code for its outcome. */
async function execute(
  workflow: Workflow,
  registry: NodeRegistry,
  view: RunView,
  job: { title: string; targets?: string[]; outDir: string },
): Promise<number> {
  const { workflow: seeded, seeds } = resolveSeeds(workflow, registry);
  const controller = new AbortController();
  const release = interruptOnSigint(controller, (m) => view.say(m));
  // One job, then the process ends: a session the rest of the run does not use is let go.
  setSessionPolicy('release-idle');
  try {
    const outcome = await runJob(
      { id: newJobId(), ...job, workflow: seeded, seeds },
      { registry, signal: controller.signal, onEvent: (e) => view.event(e) },
    );
    view.done(outcome);
    const { status } = outcome.result;
    return status === 'finished' ? EXIT.ok : status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
  } finally {
    release();
  }
}

function checkTargets(workflow: Workflow, targets: string[] | undefined): void {
  for (const id of targets ?? []) {
    if (!(id in workflow.nodes)) {
      throw new UsageError(`--target ${id}: no node "${id}" (nodes: ${Object.keys(workflow.nodes).join(', ')})`);
    }
  }
}

function printIssues(issues: CliIssue[]): number {
  process.stderr.write(issues.map((i) => `${formatIssue(i)}\n`).join(''));
  return EXIT.failed;
}
