import type { Catalogue, NodeInfo, PortType, WorkflowDoc } from '../../api/schemas.ts';

/** Pure edits of a workflow document; every editor action goes through these so undo sees them. */

export interface XY {
  x: number;
  y: number;
}

export interface Group {
  id: string;
  title: string;
  nodes: string[];
}

export const EMPTY_DOC: WorkflowDoc = { schemaVersion: 1, nodes: {}, layout: {} };

export function positionOf(doc: WorkflowDoc, id: string): XY {
  const p = doc.layout?.[id] as XY | undefined;
  return p && typeof p.x === 'number' ? p : { x: 0, y: 0 };
}

export function groupsOf(doc: WorkflowDoc): Group[] {
  return (doc.layout?.groups as Group[] | undefined) ?? [];
}

/** A node id not in the doc, readable: "<short type>-<n>". */
export function freshId(doc: WorkflowDoc, type: string): string {
  const base = type.split('.').pop() ?? 'node';
  for (let n = 1; ; n++) if (!doc.nodes[`${base}-${n}`]) return `${base}-${n}`;
}

export function addNode(doc: WorkflowDoc, info: NodeInfo, at: XY, id = freshId(doc, info.type)): WorkflowDoc {
  return {
    ...doc,
    nodes: {
      ...doc.nodes,
      [id]: { type: info.type, typeVersion: info.version, params: { ...info.defaults }, inputs: {} },
    },
    layout: { ...doc.layout, [id]: { x: Math.round(at.x), y: Math.round(at.y) } },
  };
}

export function moveNodes(doc: WorkflowDoc, moves: Record<string, XY>): WorkflowDoc {
  const layout = { ...doc.layout };
  for (const [id, p] of Object.entries(moves)) layout[id] = { x: Math.round(p.x), y: Math.round(p.y) };
  return { ...doc, layout };
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
  const layout = Object.fromEntries(Object.entries(doc.layout ?? {}).filter(([k]) => !gone.has(k)));
  const groups = groupsOf(doc)
    .map((g) => ({ ...g, nodes: g.nodes.filter((n) => !gone.has(n)) }))
    .filter((g) => g.nodes.length > 0);
  const form = doc.form?.filter((f) => !gone.has(f.node));
  return { ...doc, nodes, layout: { ...layout, groups }, ...(form ? { form } : {}) };
}

export interface Clip {
  nodes: WorkflowDoc['nodes'];
  layout: Record<string, XY>;
}

/** The chosen nodes with only the links among themselves (links from outside are dropped). */
export function copyNodes(doc: WorkflowDoc, ids: Iterable<string>): Clip {
  const keep = new Set(ids);
  const clip: Clip = { nodes: {}, layout: {} };
  for (const id of keep) {
    const n = doc.nodes[id];
    if (!n) continue;
    const inputs = Object.fromEntries(Object.entries(n.inputs).filter(([, l]) => keep.has(l.node)));
    clip.nodes[id] = structuredClone({ ...n, inputs });
    clip.layout[id] = positionOf(doc, id);
  }
  return clip;
}

/** Pastes a clip under fresh ids, shifted by `offset`, its internal links rewired; returns the new ids. */
export function pasteClip(doc: WorkflowDoc, clip: Clip, offset: XY): { doc: WorkflowDoc; ids: string[] } {
  const rename = new Map<string, string>();
  let next = doc;
  for (const [id, n] of Object.entries(clip.nodes)) {
    const fresh = freshId(next, n.type);
    rename.set(id, fresh);
    next = { ...next, nodes: { ...next.nodes, [fresh]: { ...n, inputs: {} } } };
  }
  const nodes = { ...next.nodes };
  const layout = { ...next.layout };
  for (const [id, n] of Object.entries(clip.nodes)) {
    const fresh = rename.get(id) as string;
    const inputs = Object.fromEntries(
      Object.entries(n.inputs).map(([k, l]) => [k, { node: rename.get(l.node) as string, output: l.output }]),
    );
    nodes[fresh] = structuredClone({ ...n, inputs });
    const p = clip.layout[id] ?? { x: 0, y: 0 };
    layout[fresh] = { x: p.x + offset.x, y: p.y + offset.y };
  }
  return { doc: { ...next, nodes, layout }, ids: [...rename.values()] };
}

export function addGroup(doc: WorkflowDoc, ids: string[], title: string): WorkflowDoc {
  const groups = groupsOf(doc);
  let n = groups.length + 1;
  while (groups.some((g) => g.id === `group-${n}`)) n++;
  return { ...doc, layout: { ...doc.layout, groups: [...groups, { id: `group-${n}`, title, nodes: ids }] } };
}

export function removeGroup(doc: WorkflowDoc, groupId: string): WorkflowDoc {
  return { ...doc, layout: { ...doc.layout, groups: groupsOf(doc).filter((g) => g.id !== groupId) } };
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
