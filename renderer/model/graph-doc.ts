import type { Catalogue, NodeInfo, PortType, WorkflowDoc } from '../../api/schemas.ts';
import { passedInputName } from '../../graph-engine/modes.ts';

/** Pure edits of a workflow document; every editor action goes through these so undo sees them. */

export interface XY {
  x: number;
  y: number;
}

type Layout = NonNullable<WorkflowDoc['layout']>;
export type Group = NonNullable<Layout['groups']>[number];

/** A new document in the engine's current format (schemaVersion 2: positions in `layout.nodes`). */
export const EMPTY_DOC: WorkflowDoc = { schemaVersion: 2, nodes: {}, layout: { nodes: {} } };

export function positionOf(doc: WorkflowDoc, id: string): XY {
  const p = doc.layout?.nodes?.[id];
  return p && typeof p.x === 'number' ? p : { x: 0, y: 0 };
}

export function groupsOf(doc: WorkflowDoc): Group[] {
  return doc.layout?.groups ?? [];
}

/** The document with its layout changed by `fn` (positions, groups and viewport live there). */
function withLayout(doc: WorkflowDoc, fn: (layout: Layout) => Layout): WorkflowDoc {
  return { ...doc, layout: fn(doc.layout ?? {}) };
}

function withPositions(doc: WorkflowDoc, moves: Record<string, XY>): WorkflowDoc {
  const rounded = Object.fromEntries(
    Object.entries(moves).map(([id, p]) => [id, { x: Math.round(p.x), y: Math.round(p.y) }]),
  );
  return withLayout(doc, (l) => ({ ...l, nodes: { ...l.nodes, ...rounded } }));
}

/** A node id not in the doc, readable: "<short type>-<n>". */
export function freshId(doc: WorkflowDoc, type: string): string {
  const base = type.split('.').pop() ?? 'node';
  for (let n = 1; ; n++) if (!doc.nodes[`${base}-${n}`]) return `${base}-${n}`;
}

export function addNode(doc: WorkflowDoc, info: NodeInfo, at: XY, id = freshId(doc, info.type)): WorkflowDoc {
  const node = { type: info.type, typeVersion: info.version, params: { ...info.defaults }, inputs: {} };
  return withPositions({ ...doc, nodes: { ...doc.nodes, [id]: node } }, { [id]: at });
}

export function moveNodes(doc: WorkflowDoc, moves: Record<string, XY>): WorkflowDoc {
  return withPositions(doc, moves);
}

export function setParam(doc: WorkflowDoc, id: string, name: string, value: unknown): WorkflowDoc {
  const node = doc.nodes[id];
  if (!node) return doc;
  const params = { ...node.params };
  if (value === undefined) delete params[name];
  else params[name] = value;
  return { ...doc, nodes: { ...doc.nodes, [id]: { ...node, params } } };
}

/** Whether `from` depends on `to` already, so linking to → from would make a cycle. */
export function reaches(doc: WorkflowDoc, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const link of Object.values(doc.nodes[id]?.inputs ?? {})) stack.push(link.node);
  }
  return false;
}

/** Links an output to an input; an input takes one link, so an existing one is replaced. */
export function connect(
  doc: WorkflowDoc,
  from: { node: string; output: string },
  to: { node: string; input: string },
): WorkflowDoc {
  const node = doc.nodes[to.node];
  if (!node) return doc;
  const inputs = { ...node.inputs, [to.input]: { node: from.node, output: from.output } };
  return { ...doc, nodes: { ...doc.nodes, [to.node]: { ...node, inputs } } };
}

export function disconnect(doc: WorkflowDoc, to: { node: string; input: string }): WorkflowDoc {
  const node = doc.nodes[to.node];
  if (!node?.inputs[to.input]) return doc;
  const inputs = { ...node.inputs };
  delete inputs[to.input];
  return { ...doc, nodes: { ...doc.nodes, [to.node]: { ...node, inputs } } };
}

export function removeNodes(doc: WorkflowDoc, ids: Iterable<string>): WorkflowDoc {
  const gone = new Set(ids);
  const nodes: WorkflowDoc['nodes'] = {};
  for (const [id, n] of Object.entries(doc.nodes)) {
    if (gone.has(id)) continue;
    const inputs = Object.fromEntries(Object.entries(n.inputs).filter(([, l]) => !gone.has(l.node)));
    nodes[id] = { ...n, inputs };
  }
  const positions = Object.fromEntries(Object.entries(doc.layout?.nodes ?? {}).filter(([k]) => !gone.has(k)));
  const groups = groupsOf(doc)
    .map((g) => ({ ...g, nodes: g.nodes.filter((n) => !gone.has(n)) }))
    .filter((g) => g.nodes.length > 0);
  const form = doc.form?.filter((f) => !gone.has(f.node));
  const next = withLayout({ ...doc, nodes }, (l) => ({ ...l, nodes: positions, groups }));
  return form ? { ...next, form } : next;
}

export interface Clip {
  /** The nodes with their links among themselves. */
  nodes: WorkflowDoc['nodes'];
  layout: Record<string, XY>;
  /** Their links from nodes outside the clip, which a paste with links (Ctrl+Shift+V) keeps. */
  outside: Record<string, WorkflowDoc['nodes'][string]['inputs']>;
}

/** The chosen nodes with the links among themselves; links from outside are kept aside. */
export function copyNodes(doc: WorkflowDoc, ids: Iterable<string>): Clip {
  const keep = new Set(ids);
  const clip: Clip = { nodes: {}, layout: {}, outside: {} };
  for (const id of keep) {
    const n = doc.nodes[id];
    if (!n) continue;
    const links = Object.entries(n.inputs);
    const inputs = Object.fromEntries(links.filter(([, l]) => keep.has(l.node)));
    clip.nodes[id] = structuredClone({ ...n, inputs });
    clip.outside[id] = Object.fromEntries(links.filter(([, l]) => !keep.has(l.node)));
    clip.layout[id] = positionOf(doc, id);
  }
  return clip;
}

/**
 * Pastes a clip under fresh ids, shifted by `offset`, its internal links rewired; with `withLinks` (as
 * ComfyUI's Ctrl+Shift+V) links from nodes outside the clip are kept where those nodes still exist.
 * Returns the new ids.
 */
export function pasteClip(
  doc: WorkflowDoc,
  clip: Clip,
  offset: XY,
  withLinks = false,
): { doc: WorkflowDoc; ids: string[] } {
  const rename = new Map<string, string>();
  let next = doc;
  for (const [id, n] of Object.entries(clip.nodes)) {
    const fresh = freshId(next, n.type);
    rename.set(id, fresh);
    next = { ...next, nodes: { ...next.nodes, [fresh]: { ...n, inputs: {} } } };
  }
  const nodes = { ...next.nodes };
  const moves: Record<string, XY> = {};
  for (const [id, n] of Object.entries(clip.nodes)) {
    const fresh = rename.get(id) as string;
    const inner = Object.entries(n.inputs).map(([k, l]) => [
      k,
      { node: rename.get(l.node) as string, output: l.output },
    ]);
    const outer = withLinks ? Object.entries(clip.outside[id] ?? {}).filter(([, l]) => doc.nodes[l.node]) : [];
    nodes[fresh] = structuredClone({ ...n, inputs: Object.fromEntries([...outer, ...inner]) });
    const p = clip.layout[id] ?? { x: 0, y: 0 };
    moves[fresh] = { x: p.x + offset.x, y: p.y + offset.y };
  }
  return { doc: withPositions({ ...next, nodes }, moves), ids: [...rename.values()] };
}

export function addGroup(doc: WorkflowDoc, ids: string[], title: string): WorkflowDoc {
  const groups = groupsOf(doc);
  let n = groups.length + 1;
  while (groups.some((g) => g.id === `group-${n}`)) n++;
  return withLayout(doc, (l) => ({ ...l, groups: [...groups, { id: `group-${n}`, title, nodes: ids }] }));
}

/** The group with a new title (blank keeps the old one). */
export function renameGroup(doc: WorkflowDoc, groupId: string, title: string): WorkflowDoc {
  const name = title.trim();
  if (!name) return doc;
  return withLayout(doc, (l) => ({
    ...l,
    groups: groupsOf(doc).map((g) => (g.id === groupId ? { ...g, title: name } : g)),
  }));
}

export function removeGroup(doc: WorkflowDoc, groupId: string): WorkflowDoc {
  return withLayout(doc, (l) => ({ ...l, groups: groupsOf(doc).filter((g) => g.id !== groupId) }));
}

/** Kinds fit when equal or either is Any; field-level fit is the engine's call (workflow.checkLink). */
export function kindsFit(from: PortType, to: PortType): boolean {
  return from.kind === to.kind || from.kind === 'Any' || to.kind === 'Any';
}

export interface Candidate {
  info: NodeInfo;
  /** The port on the candidate that the dangling link would attach to. */
  port: string;
}

/** Nodes with a port that fits a dangling link of type `type` from an output (or into an input). */
export function compatibleNodes(cat: Catalogue, type: PortType, dragFrom: 'output' | 'input'): Candidate[] {
  const out: Candidate[] = [];
  for (const info of cat.nodes) {
    const ports = dragFrom === 'output' ? info.inputs : info.outputs;
    const port = Object.entries(ports).find(([, p]) =>
      dragFrom === 'output' ? kindsFit(type, p.type) : kindsFit(p.type, type),
    );
    if (port) out.push({ info, port: port[0] });
  }
  return out;
}

/** The port type of a node's input or output, from the catalogue. */
export function portType(
  cat: Catalogue,
  doc: WorkflowDoc,
  nodeId: string,
  side: 'input' | 'output',
  port: string,
): PortType | undefined {
  const info = cat.nodes.find((n) => n.type === doc.nodes[nodeId]?.type);
  return (side === 'input' ? info?.inputs[port] : info?.outputs[port])?.type;
}

/** Spacing of placed nodes: a column per step of the graph, rows within a column. */
const COLUMN = 340;
const ROW = 300;

/**
 * Places nodes that have no position (a hand-written workflow or preset) in columns by their depth in
 * the graph, so data flows left to right; nodes with a position stay where they are.
 */
export function placeUnplaced(doc: WorkflowDoc): WorkflowDoc {
  const placed = doc.layout?.nodes ?? {};
  const missing = Object.keys(doc.nodes).filter((id) => !placed[id]);
  if (missing.length === 0) return doc;
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle: validation reports it; any column will do
    seen.add(id);
    const inputs = Object.values(doc.nodes[id]?.inputs ?? {}).filter((l) => doc.nodes[l.node]);
    const d = inputs.length ? 1 + Math.max(...inputs.map((l) => depthOf(l.node, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  const rows = new Map<number, number>();
  const moves: Record<string, XY> = {};
  for (const id of missing) {
    const column = depthOf(id, new Set());
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    moves[id] = { x: column * COLUMN, y: row * ROW };
  }
  return withPositions(doc, moves);
}

type Mode = NonNullable<WorkflowDoc['nodes'][string]['mode']>;

/** Toggles `mode` on the nodes as ComfyUI does: set on all unless all have it already, then cleared. */
export function toggleMode(doc: WorkflowDoc, ids: string[], mode: Mode): WorkflowDoc {
  const present = ids.filter((id) => doc.nodes[id]);
  const clear = present.every((id) => doc.nodes[id].mode === mode);
  const nodes = { ...doc.nodes };
  for (const id of present) {
    const { mode: _old, ...node } = nodes[id];
    nodes[id] = clear ? node : { ...node, mode };
  }
  return { ...doc, nodes };
}

/**
 * Why a node cannot be bypassed: an output that another node reads has no connected input of its kind
 * to pass on (the engine's rule, graph-engine/modes.ts). Undefined when it can.
 */
export function bypassRefusal(cat: Catalogue, doc: WorkflowDoc, id: string): string | undefined {
  const node = doc.nodes[id];
  const info = cat.nodes.find((n) => n.type === node?.type);
  if (!node || !info) return undefined;
  const read = new Set(
    Object.values(doc.nodes).flatMap((n) =>
      Object.values(n.inputs)
        .filter((l) => l.node === id)
        .map((l) => l.output),
    ),
  );
  for (const output of read) {
    if (passedInputName(info, Object.keys(node.inputs), output)) continue;
    const kind = info.outputs[output]?.type.kind ?? '';
    return `${info.title} (${id}) has no connected ${kind} input to pass on as its "${output}" output`;
  }
  return undefined;
}

/** Room a node takes on the canvas when placing new ones (the editor's width, a typical height). */
const BOX = { width: 260, height: 200, gap: 20 };

/**
 * How far to shift nodes at `spots` (from `start`, then further down) so that none covers a node of the
 * document: new, pasted and duplicated nodes land where there is room instead of on top of others.
 */
export function roomyOffset(doc: WorkflowDoc, spots: XY[], start: XY): XY {
  const taken = Object.keys(doc.nodes).map((id) => positionOf(doc, id));
  const hits = (p: XY) =>
    taken.some((t) => Math.abs(t.x - p.x) < BOX.width + BOX.gap && Math.abs(t.y - p.y) < BOX.height + BOX.gap);
  for (let step = 0; step < 200; step++) {
    const offset = { x: start.x, y: start.y + step * 60 };
    if (!spots.some((p) => hits({ x: p.x + offset.x, y: p.y + offset.y }))) return offset;
  }
  return start;
}
