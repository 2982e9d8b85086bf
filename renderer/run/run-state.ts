import type { JobState, StudioEvent, WorkflowDoc } from '../../api/schemas.ts';

/** One node of a run as the editor shows it; the states are the engine's words (events.ts). */
export interface NodeRun {
  state: 'queued' | 'running' | 'finished' | 'cached' | 'failed' | 'cancelled';
  fraction: number;
  message?: string;
  startedAt?: number;
  /** Seconds left: the engine's estimate when it gives one, else from the progress rate so far. */
  eta?: number;
  ms?: number;
  /** Why the node could not come from the cache (the engine's `node-started` reason). */
  reason?: string;
  /** The node's type, from `node-started` (timings are remembered per type). */
  nodeType?: string;
  previews?: { label: string; dataUrl: string }[];
}

export interface RunState {
  jobId: string;
  state: JobState;
  nodes: Record<string, NodeRun>;
  /** The nodes the job was asked to compute (the engine's `job-started` targets). */
  targets?: string[];
  error?: string;
  /** Overall fraction across the nodes seen so far. */
  fraction: number;
  /** The nodes as submitted: a node edited since shows no state from this run (stale error or bar). */
  ran?: WorkflowDoc['nodes'];
  /** Each submitted node's expected time in ms (expectedMs): the overall bar weighs nodes by it. */
  expected?: Record<string, number>;
}

/** A node type's last measured run: its time, and its steps when it has a `steps` param. */
export interface Timing {
  ms: number;
  steps?: number;
}

/** Assumed for a node type never timed here: a second (per step, for nodes with steps). */
const UNTIMED_MS = 1000;

/**
 * How long a node should take: its type's last measured time (scaled by steps for samplers), else a
 * second per step. Samplers dominate a run, and the overall bar should say so rather than count nodes.
 */
export function expectedMs(timing: Timing | undefined, steps: number | undefined): number {
  if (!timing) return UNTIMED_MS * (steps ?? 1);
  if (timing.steps && steps) return (timing.ms / timing.steps) * steps;
  return timing.ms;
}

/** The submitted nodes the job will run: the targets and everything they read, less muted or bypassed ones. */
function plannedNodes(run: RunState): string[] {
  const nodes = run.ran ?? {};
  const seen = new Set<string>();
  const visit = (id: string) => {
    const n = nodes[id];
    if (!n || seen.has(id)) return;
    seen.add(id);
    for (const link of Object.values(n.inputs ?? {})) visit(link.node);
  };
  for (const id of run.targets ?? Object.keys(nodes)) visit(id);
  return [...seen].filter((id) => !nodes[id].mode);
}

const FINAL: ReadonlySet<JobState> = new Set(['finished', 'failed', 'cancelled']);

export function startRun(jobId: string): RunState {
  return { jobId, state: 'queued', nodes: {}, fraction: 0 };
}

/** Whether the job has ended (finished, failed or cancelled). */
export function isFinal(state: JobState): boolean {
  return FINAL.has(state);
}

const doneOf = (n: NodeRun | undefined) =>
  !n ? 0 : n.state === 'finished' || n.state === 'cached' ? 1 : n.state === 'running' ? n.fraction : 0;

/**
 * The overall fraction: each node the job will run weighted by its expected time; before the editor
 * knows what was submitted (a job shown from History), the nodes seen so far counted alike.
 */
export function overall(run: RunState): number {
  const planned = run.expected ? plannedNodes(run) : [];
  const total = planned.reduce((a, id) => a + (run.expected?.[id] ?? 0), 0);
  if (total > 0) return planned.reduce((a, id) => a + (run.expected?.[id] ?? 0) * doneOf(run.nodes[id]), 0) / total;
  const all = Object.values(run.nodes);
  return all.length ? all.reduce((a, n) => a + doneOf(n), 0) / all.length : 0;
}

/** The job-level part of an event: the new job state (and error), or undefined for node events. */
function jobChange(run: RunState, e: StudioEvent): RunState | undefined {
  switch (e.type) {
    case 'job-queued':
      return { ...run, state: 'queued' };
    case 'job-started': {
      const started = { ...run, state: 'running' as const, targets: e.targets };
      return { ...started, fraction: overall(started) };
    }
    case 'job-finished':
      return { ...run, state: 'finished', fraction: 1 };
    case 'job-failed':
      return { ...run, state: 'failed', error: e.message };
    case 'job-cancelled': {
      // A node cut off mid-run is shown as cancelled rather than left spinning.
      const nodes = Object.fromEntries(
        Object.entries(run.nodes).map(([id, n]) => [
          id,
          n.state === 'running' ? { ...n, state: 'cancelled' as const } : n,
        ]),
      );
      return { ...run, state: 'cancelled', nodes };
    }
    default:
      return undefined;
  }
}

/** The node-level part of an event: the node's new state, or undefined when the event is not about one. */
function nodeChange(prev: NodeRun, e: StudioEvent, now: number): NodeRun | undefined {
  switch (e.type) {
    case 'node-started':
      return {
        ...prev,
        state: 'running',
        fraction: 0,
        startedAt: now,
        eta: undefined,
        reason: e.reason,
        nodeType: e.nodeType,
      };
    case 'node-progress': {
      const fraction = Math.min(1, Math.max(0, e.fraction));
      const startedAt = prev.startedAt ?? now;
      const rate = fraction > 0 ? ((now - startedAt) / 1000) * ((1 - fraction) / fraction) : undefined;
      const eta = e.etaMs !== undefined ? e.etaMs / 1000 : rate;
      return { ...prev, state: 'running', fraction, startedAt, eta, message: e.message ?? prev.message };
    }
    case 'node-preview':
      return { ...prev, previews: e.previews };
    case 'node-cache-hit':
      return { ...prev, state: 'cached', fraction: 1, eta: 0, ms: 0 };
    case 'node-finished':
      return e.cached
        ? { ...prev, state: 'cached', fraction: 1, eta: 0, ms: 0 }
        : { ...prev, state: 'finished', fraction: 1, eta: 0, ms: e.ms };
    case 'node-failed':
      return { ...prev, state: 'failed', message: e.message };
    default:
      return undefined;
  }
}

/** Folds one engine event into the run: job state, node states, progress with ETA, previews, timings, cache hits. */
export function applyEvent(run: RunState, e: StudioEvent, now: number): RunState {
  const job = jobChange(run, e);
  if (job) return job;
  if (e.type === 'log' || !('nodeId' in e) || e.nodeId === undefined) return run;
  const node = nodeChange(run.nodes[e.nodeId] ?? { state: 'queued', fraction: 0 }, e, now);
  if (!node) return run;
  const next: RunState = {
    ...run,
    state: run.state === 'queued' ? 'running' : run.state,
    nodes: { ...run.nodes, [e.nodeId]: node },
  };
  return { ...next, fraction: overall(next) };
}

/** The node's state in `run`, unless its params, inputs or mode changed since the run was submitted. */
export function nodeRunOf(
  run: RunState | undefined,
  id: string,
  now: WorkflowDoc['nodes'][string],
): NodeRun | undefined {
  const node = run?.nodes[id];
  const then = run?.ran?.[id];
  if (!node || !then) return node;
  const same = (a: typeof now) => JSON.stringify([a.params, a.inputs, a.mode ?? null]);
  return same(then) === same(now) ? node : undefined;
}
