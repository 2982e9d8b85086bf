import type { NodeRegistry } from './registry.ts';
import type { Link, Workflow } from './workflow.ts';

/** Structure of a workflow's node graph: edges come from inputs whose node exists. */

/** Whether the workflow has a node with this id (own key only: ids like "constructor" are ordinary). */
export function hasNode(wf: Workflow, id: string): boolean {
  return Object.hasOwn(wf.nodes, id);
}

/** The links of a node's inputs that point at existing nodes, as [input name, link]. */
export function linksOf(wf: Workflow, id: string): [string, Link][] {
  return Object.entries(wf.nodes[id].inputs).filter(([, link]) => hasNode(wf, link.node));
}

/** `targets` and every node they read from, directly or not (unknown ids are ignored). */
export function ancestors(wf: Workflow, targets: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = targets.filter((id) => hasNode(wf, id));
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const [, link] of linksOf(wf, id)) stack.push(link.node);
  }
  return seen;
}

/** What runs when no targets are named: the sink nodes, or when there are none, every node nobody reads. */
export function defaultTargets(wf: Workflow, registry: NodeRegistry): string[] {
  const ids = Object.keys(wf.nodes);
  const sinks = ids.filter((id) => registry.get(wf.nodes[id].type, wf.nodes[id].typeVersion)?.purity === 'sink');
  if (sinks.length > 0) return sinks;
  const read = new Set(ids.flatMap((id) => linksOf(wf, id).map(([, link]) => link.node)));
  return ids.filter((id) => !read.has(id));
}

/**
 * Nodes of `scope` (upstream-closed) so that each comes after the nodes it reads; `rest` holds the nodes
 * on or downstream of a cycle, in file order.
 */
export function topologicalOrder(wf: Workflow, scope: ReadonlySet<string>): { order: string[]; rest: string[] } {
  const ids = Object.keys(wf.nodes).filter((id) => scope.has(id));
  const waiting = new Map(ids.map((id) => [id, linksOf(wf, id).length]));
  const readers = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const [, link] of linksOf(wf, id)) readers.get(link.node)?.push(id);
  const order = ids.filter((id) => waiting.get(id) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const reader of readers.get(order[i]) ?? []) {
      const left = (waiting.get(reader) ?? 0) - 1;
      waiting.set(reader, left);
      if (left === 0) order.push(reader);
    }
  }
  const placed = new Set(order);
  return { order, rest: ids.filter((id) => !placed.has(id)) };
}

/** A cycle as the nodes on it, each with the input that reads the previous node. */
export type Cycle = { nodeId: string; input: string }[];

/** Cycles among `rest` (nodes topologicalOrder could not place): walks upstream until a node repeats. */
export function findCycles(wf: Workflow, rest: readonly string[]): Cycle[] {
  const left = new Set(rest);
  const done = new Set<string>();
  const cycles: Cycle[] = [];
  for (const start of rest) {
    const path: { nodeId: string; input: string }[] = [];
    const at = new Map<string, number>();
    let id: string | undefined = start;
    while (id !== undefined && !done.has(id) && !at.has(id)) {
      const step: [string, Link] | undefined = linksOf(wf, id).find(([, link]) => left.has(link.node));
      at.set(id, path.length);
      path.push({ nodeId: id, input: step?.[0] ?? '' });
      id = step?.[1].node;
    }
    if (id !== undefined && at.has(id)) cycles.push(path.slice(at.get(id)));
    for (const step of path) done.add(step.nodeId);
  }
  return cycles;
}
