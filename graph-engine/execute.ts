import { randomUUID } from 'node:crypto';
import type { ValueCache } from './cache.ts';
import type { EngineEvent } from './events.ts';
import { ancestors, defaultTargets, hasNode, linksOf, topologicalOrder } from './graph.ts';
import { activeGraph } from './modes.ts';
import type { Emit } from './node-context.ts';
import type { NodeRegistry } from './registry.ts';
import { invalidWorkflow, nodeFailure, type RunError } from './run-error.ts';
import {
  disposePrepared,
  gatherInputs,
  type JobState,
  type NodeRun,
  planNodes,
  prepareNodes,
  runNode,
  specOf,
} from './run-node.ts';
import { resolveSeeds } from './seeds.ts';
import type { NodeSpec } from './spec.ts';
import { validateWorkflow } from './validate.ts';
import type { ValidationError } from './validation-error.ts';
import type { Workflow } from './workflow.ts';

export type { RunError } from './run-error.ts';
export type { NodeRun } from './run-node.ts';

export interface ExecuteOptions {
  /** Node ids whose outputs are wanted; by default the sink nodes, or every node nobody reads. */
  targets?: string[];
  signal?: AbortSignal;
  /** Shared across runs so unchanged nodes are not run again. */
  cache?: ValueCache;
  /** Where sink nodes write (RunContext.outDir). */
  outDir: string;
  onEvent?: (event: EngineEvent) => void;
  jobId?: string;
  /** The job's title, written into the workflow that sinks embed when the workflow has none. */
  title?: string;
}

export interface RunResult {
  status: 'finished' | 'failed' | 'cancelled';
  /** The targets' outputs. */
  outputs: Record<string, Record<string, unknown>>;
  /** Every node that ran or came from the cache. */
  nodes: Record<string, NodeRun>;
  error?: RunError;
  /** What nodes reported through ctx.report (and the seed each seeded node used). */
  facts: Record<string, Record<string, unknown>>;
  /** When validation failed: every problem; no node ran. */
  issues?: ValidationError[];
}

/**
 * Runs what the targets need, each node as soon as the nodes it reads have finished (so independent
 * branches and sinks run at the same time), reusing cached results. Validates first (a failed result with
 * the issues, nothing run), starts no node once the job is cancelled or a node failed, and never throws
 * for a node's failure: the result names the node, its inputs' shapes and the cause. It returns only
 * when every node it started has settled.
 */
export async function executeWorkflow(
  original: Workflow,
  registry: NodeRegistry,
  opts: ExecuteOptions,
): Promise<RunResult> {
  const emit = emitter(opts.jobId ?? randomUUID(), opts.onEvent);
  // Bypassed and muted nodes do not run; targets among them (or needing a muted node) are dropped.
  const wf = activeGraph(original, registry).workflow;
  const asked = opts.targets ?? defaultTargets(wf, registry);
  const issues = validateWorkflow(original, registry, { targets: asked });
  const targets = asked.filter((id) => hasNode(wf, id));
  if (issues.length > 0) {
    const error = invalidWorkflow(issues);
    emit({ type: 'job-failed', code: error.code, message: error.message, nodeId: error.nodeId });
    return { status: 'failed', outputs: {}, nodes: {}, error, facts: {}, issues };
  }
  // Seeds resolved on the whole graph, so the workflow embedded in outputs keeps its modes and reruns alike.
  const { workflow: seeded, seeds: allSeeds } = resolveSeeds(original, registry);
  const workflow = activeGraph(seeded, registry).workflow;
  const seeds = Object.fromEntries(Object.entries(allSeeds).filter(([id]) => hasNode(workflow, id)));
  // Aborted by the caller's signal, or by the first failure so that the nodes running beside it stop.
  const stop = new AbortController();
  const state: JobState = {
    wf: workflow,
    registry,
    cache: opts.cache,
    signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal,
    outDir: opts.outDir,
    workflowJson: embeddedJson(seeded, opts.title),
    emit,
    keys: new Map(),
    values: new Map(),
    nodes: {},
    facts: Object.fromEntries(Object.entries(seeds).map(([id, seed]) => [id, { seed }])),
    plans: new Map(),
    prepared: new Map(),
  };
  emit({ type: 'job-started', targets });
  const started = performance.now();
  const { order } = topologicalOrder(workflow, ancestors(workflow, targets));
  const outcome = await planAndRun(state, order, countReaders(workflow, order, targets), stop);
  if (outcome.failure) return failed(state, outcome.failure);
  if (opts.signal?.aborted) return cancelled(state, outcome.cancelledAt);
  emit({ type: 'job-finished', ms: performance.now() - started });
  const outputs = Object.fromEntries(targets.map((id) => [id, { ...state.values.get(id) }]));
  return { status: 'finished', outputs, nodes: state.nodes, facts: keepFacts(state) };
}

/** The workflow as run, titled, as sinks embed it in their files. */
function embeddedJson(wf: Workflow, title: string | undefined): string {
  const meta = wf.meta?.title || !title ? wf.meta : { ...wf.meta, title };
  return JSON.stringify(meta ? { ...wf, meta } : wf);
}

/** Plans every node's key, starts what the nodes that will run prepare, runs them, disposes of the rest. */
async function planAndRun(
  state: JobState,
  order: string[],
  readers: Map<string, number>,
  stop: AbortController,
): Promise<{ failure?: RunError; cancelledAt?: string }> {
  try {
    await planNodes(state, order);
  } catch (cause) {
    // a param or external key that cannot be read fails the node it belongs to, before anything runs
    const id = order.find((n) => !state.plans.has(n)) as string;
    return { failure: nodeFailure(state, id, specOf(state, id), {}, cause) };
  }
  prepareNodes(state, order);
  try {
    return await runAll(state, order, readers, stop);
  } finally {
    await disposePrepared(state);
  }
}

/** Thrown to a node's readers when it did not finish, so they never start. */
const NOT_RUN = Symbol('not run');

/** Starts each node of `order` once the nodes it reads have finished; resolves when all have settled. */
async function runAll(
  state: JobState,
  order: string[],
  readers: Map<string, number>,
  stop: AbortController,
): Promise<{ failure?: RunError; cancelledAt?: string }> {
  const outcome: { failure?: RunError; cancelledAt?: string } = {};
  const runOne = async (id: string): Promise<void> => {
    if (state.signal.aborted) throw NOT_RUN;
    const spec = specOf(state, id);
    try {
      await runNode(state, id, spec);
    } catch (cause) {
      // stopped by another node's failure: that one is the job's error
      if (outcome.failure) throw NOT_RUN;
      if (state.signal.aborted) outcome.cancelledAt ??= id;
      else {
        outcome.failure = nodeFailure(state, id, spec, gatherInputs(state, id), cause);
        stop.abort();
      }
      throw NOT_RUN;
    }
    release(state, id, readers);
  };
  const done = new Map<string, Promise<void>>();
  for (const id of order) {
    const upstream = [...new Set(linksOf(state.wf, id).map(([, link]) => link.node))];
    done.set(
      id,
      Promise.all(upstream.map((from) => done.get(from))).then(() => runOne(id)),
    );
  }
  await Promise.allSettled(done.values());
  return outcome;
}

function emitter(jobId: string, onEvent: ExecuteOptions['onEvent']): Emit {
  const emit: Emit = (event) => onEvent?.({ ...event, jobId, time: Date.now() } as EngineEvent);
  emit.listening = onEvent !== undefined;
  return emit;
}

/** How many nodes of the run read each node; targets count once more since the result keeps them. */
function countReaders(wf: Workflow, order: string[], targets: string[]): Map<string, number> {
  const readers = new Map<string, number>(targets.map((id) => [id, 1]));
  for (const id of order) {
    for (const from of new Set(linksOf(wf, id).map(([, link]) => link.node))) {
      readers.set(from, (readers.get(from) ?? 0) + 1);
    }
  }
  return readers;
}

/** Drops the outputs nobody will read any more, so a long graph does not hold every tensor at once. */
function release(state: JobState, id: string, readers: Map<string, number>): void {
  for (const from of new Set(linksOf(state.wf, id).map(([, link]) => link.node))) {
    const left = (readers.get(from) ?? 1) - 1;
    readers.set(from, left);
    if (left === 0) state.values.delete(from);
  }
}

function cancelled(state: JobState, nodeId?: string): RunResult {
  state.emit({ type: 'job-cancelled', ...(nodeId === undefined ? {} : { nodeId }) });
  return { status: 'cancelled', outputs: {}, nodes: state.nodes, facts: keepFacts(state) };
}

function failed(state: JobState, error: RunError): RunResult {
  if (error.nodeId !== undefined) state.emit({ type: 'node-failed', nodeId: error.nodeId, message: error.message });
  state.emit({ type: 'job-failed', code: error.code, message: error.message, nodeId: error.nodeId });
  return { status: 'failed', outputs: {}, nodes: state.nodes, error, facts: keepFacts(state) };
}

/** Facts of the nodes that took part (seeds of nodes outside the targets' part are left out). */
function keepFacts(state: JobState): RunResult['facts'] {
  return Object.fromEntries(Object.entries(state.facts).filter(([id]) => Object.hasOwn(state.nodes, id)));
}
