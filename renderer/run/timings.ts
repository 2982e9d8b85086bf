import type { WorkflowDoc } from '../../api/schemas.ts';
import { paramFields } from '../model/param-fields.ts';
import { getState } from '../state/store.ts';
import { expectedMs, type RunState, type Timing } from './run-state.ts';

/** Per node type, how long it last took here; kept across reloads so the first run's bar is honest too. */
const KEY = 'layerflow.timings';

function load(): Record<string, Timing> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, Timing>;
  } catch {
    return {};
  }
}

let timings = load();

/** The node's `steps` as it will run: set in the document, else its param's default. */
function stepsOf(node: WorkflowDoc['nodes'][string]): number | undefined {
  const set = node.params?.steps;
  if (typeof set === 'number') return set;
  const info = getState().catalogue?.nodes.find((n) => n.type === node.type);
  const field = info ? paramFields(info.params).find((f) => f.name === 'steps') : undefined;
  return typeof field?.default === 'number' ? field.default : undefined;
}

/** Each submitted node's expected time, from the timings measured so far. */
export function expectedTimes(nodes: WorkflowDoc['nodes']): Record<string, number> {
  return Object.fromEntries(Object.entries(nodes).map(([id, n]) => [id, expectedMs(timings[n.type], stepsOf(n))]));
}

/** Remembers how long a node that really ran (not a cache hit) took, per type and with its steps. */
export function recordTiming(run: RunState | undefined, nodeId: string, ms: number): void {
  const type = run?.nodes[nodeId]?.nodeType;
  if (!type) return;
  const node = run?.ran?.[nodeId];
  const steps = node ? stepsOf(node) : undefined;
  timings = { ...timings, [type]: steps ? { ms, steps } : { ms } };
  try {
    localStorage.setItem(KEY, JSON.stringify(timings));
  } catch {
    // a full or disabled storage only costs the next session its estimates
  }
}
