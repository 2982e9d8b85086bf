import type { JobState, StudioEvent } from '../../api/schemas.ts';

export interface NodeRun {
  state: 'queued' | 'running' | 'done' | 'cached' | 'error' | 'cancelled';
  fraction: number;
  message?: string;
  startedAt?: number;
  /** Seconds left, from the progress rate so far. */
  eta?: number;
  ms?: number;
  previews?: { label: string; dataUrl: string }[];
}

export interface RunState {
  jobId: string;
  state: JobState;
  nodes: Record<string, NodeRun>;
  error?: string;
  /** Overall fraction across the nodes seen so far. */
  fraction: number;
}

export function startRun(jobId: string): RunState {
  return { jobId, state: 'queued', nodes: {}, fraction: 0 };
}

function overall(nodes: Record<string, NodeRun>): number {
  const all = Object.values(nodes);
  return all.length
    ? all.reduce((a, n) => a + (n.state === 'done' || n.state === 'cached' ? 1 : n.fraction), 0) / all.length
    : 0;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Folds one engine event into the run: node states, progress with ETA, previews, timings, cache hits. */
export function applyEvent(run: RunState, e: StudioEvent, now: number): RunState {
  const nodeId = typeof e.nodeId === 'string' ? e.nodeId : undefined;
  const t = e.type;
  if (!nodeId) {
    const jobState = (['queued', 'running', 'finished', 'failed', 'cancelled'] as const).find(
      (s) => t === `job-${s}` || e.state === s,
    );
    if (!jobState) return run;
    return {
      ...run,
      state: jobState,
      error: typeof e.error === 'string' ? e.error : ((e.message as string | undefined) ?? run.error),
    };
  }
  const prev = run.nodes[nodeId] ?? { state: 'queued', fraction: 0 };
  let node: NodeRun = prev;
  if (t === 'node-started') node = { ...prev, state: 'running', fraction: 0, startedAt: now, eta: undefined };
  else if (t === 'node-progress') {
    const fraction = Math.min(1, Math.max(0, num(e.fraction) ?? prev.fraction));
    const started = prev.startedAt ?? now;
    const eta = fraction > 0 ? ((now - started) / 1000) * ((1 - fraction) / fraction) : undefined;
    node = {
      ...prev,
      state: 'running',
      fraction,
      startedAt: started,
      eta,
      message: (e.message as string) ?? prev.message,
    };
  } else if (t === 'node-preview') node = { ...prev, previews: e.previews as NodeRun['previews'] };
  else if (t === 'node-cached') node = { ...prev, state: 'cached', fraction: 1, eta: 0, ms: 0 };
  else if (t === 'node-done')
    node = {
      ...prev,
      state: 'done',
      fraction: 1,
      eta: 0,
      ms: num(e.ms) ?? (prev.startedAt ? now - prev.startedAt : undefined),
    };
  else if (t === 'node-failed' || t === 'node-error')
    node = { ...prev, state: 'error', message: String(e.message ?? e.error ?? 'failed') };
  else return run;
  const nodes = { ...run.nodes, [nodeId]: node };
  return { ...run, state: run.state === 'queued' ? 'running' : run.state, nodes, fraction: overall(nodes) };
}
