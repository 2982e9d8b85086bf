import { type Edge, MarkerType, type Node } from '@xyflow/react';
import type { Catalogue, Inferred, Issue, WorkflowDoc } from '../../api/schemas.ts';
import { type Group, groupsOf, positionOf, type XY } from '../model/graph-doc.ts';
import { nodeRunOf, type RunState } from '../run/run-state.ts';
import type { FlowNodeData } from './FlowNode.tsx';

const NODE_WIDTH = 260;
const GROUP_PAD = 28;

export interface ElementInputs {
  doc: WorkflowDoc;
  catalogue?: Catalogue;
  inferred?: Inferred;
  issues: Issue[];
  run?: RunState;
  selected: string[];
  packs: string[];
  /**
   * Node sizes React Flow measured. Nodes are rebuilt from the document each render, so they carry
   * these back; without them the minimap, group frames and fit-view would not know how big nodes are.
   */
  sizes: Record<string, { width: number; height: number }>;
}

/** Where a group's frame starts: above and left of its nodes, with room for its title. */
export function groupOrigin(doc: WorkflowDoc, g: Group): XY {
  const at = g.nodes.map((id) => positionOf(doc, id));
  return { x: Math.min(...at.map((p) => p.x)) - GROUP_PAD, y: Math.min(...at.map((p) => p.y)) - GROUP_PAD - 20 };
}

/** React Flow nodes for the document: one per workflow node plus a frame per group. */
export function flowNodes(x: ElementInputs): Node[] {
  const colors = Object.fromEntries((x.catalogue?.kinds ?? []).map((k) => [k.name, k.color]));
  const selected = new Set(x.selected);
  const nodes: Node[] = Object.entries(x.doc.nodes).map(([id, n]) => {
    const outputTexts: Record<string, string> = {};
    for (const e of x.inferred?.edges ?? []) if (e.from.node === id) outputTexts[e.from.output] = e.text;
    const data: FlowNodeData = {
      nodeId: id,
      type: n.type,
      info: x.catalogue?.nodes.find((i) => i.type === n.type),
      params: n.params,
      issues: x.issues.filter((i) => i.nodeId === id),
      run: nodeRunOf(x.run, id, n),
      colors,
      packs: x.packs,
      outputTexts,
      notes: (x.inferred?.notes ?? []).filter((note) => note.nodeId === id),
      media: x.inferred?.media?.[id],
      mode: n.mode,
      title: n.title,
    };
    return {
      id,
      type: 'lf',
      position: positionOf(x.doc, id),
      data,
      selected: selected.has(id),
      style: { width: NODE_WIDTH },
      ...(x.sizes[id] ? { measured: x.sizes[id] } : {}),
    };
  });
  const groups: Node[] = groupsOf(x.doc).map((g) => {
    const boxes = g.nodes.map((id) => ({ ...positionOf(x.doc, id), h: x.sizes[id]?.height ?? 160 }));
    const { x: minX, y: minY } = groupOrigin(x.doc, g);
    const maxX = Math.max(...boxes.map((b) => b.x + NODE_WIDTH)) + GROUP_PAD;
    const maxY = Math.max(...boxes.map((b) => b.y + b.h)) + GROUP_PAD;
    return {
      id: g.id,
      type: 'lfgroup',
      position: { x: minX, y: minY },
      data: { title: g.title, groupId: g.id },
      // Its size is known here; React Flow keeps a node it has no size for hidden (the frame was invisible).
      width: maxX - minX,
      height: maxY - minY,
      measured: { width: maxX - minX, height: maxY - minY },
      zIndex: -1,
      selectable: false,
      dragHandle: '.lf-group header',
    };
  });
  return [...groups, ...nodes];
}

/** React Flow edges: coloured by kind, labelled with the inferred shape, red with the reason if they misfit. */
export function flowEdges(x: ElementInputs): Edge[] {
  const colors = Object.fromEntries((x.catalogue?.kinds ?? []).map((k) => [k.name, k.color]));
  const edges: Edge[] = [];
  for (const [id, n] of Object.entries(x.doc.nodes)) {
    for (const [input, link] of Object.entries(n.inputs)) {
      const inferred = x.inferred?.edges.find((e) => e.to.node === id && e.to.input === input);
      const kind = inferred?.type?.kind ?? x.catalogue?.nodes.find((i) => i.type === n.type)?.inputs[input]?.type.kind;
      const bad = Boolean(inferred?.mismatch);
      const color = bad ? '#e5484d' : ((kind && colors[kind]) ?? '#8a8f98');
      edges.push({
        id: `${id}:${input}`,
        source: link.node,
        sourceHandle: link.output,
        target: id,
        targetHandle: input,
        label: bad ? `✕ ${inferred?.mismatch}` : inferred?.text,
        style: { stroke: color, strokeWidth: 2, strokeDasharray: bad ? '6 4' : undefined },
        labelStyle: { fill: bad ? 'var(--danger)' : 'var(--text)', fontSize: 11 },
        labelBgStyle: { fill: 'var(--panel)', fillOpacity: 0.9 },
        labelBgPadding: [4, 2],
        labelBgBorderRadius: 4,
        markerEnd: { type: MarkerType.ArrowClosed, color, width: 14, height: 14 },
        className: bad ? 'edge-mismatch' : undefined,
        data: { shape: inferred?.text },
      });
    }
  }
  return edges;
}
