import type { Workflow, WorkflowNode } from '../../graph-engine/workflow.ts';
import { decompose, expandDecompose, type WorkflowFragment } from './decompose.ts';

/** Macro node types and how each expands into the nodes it runs. */
export const layerflowMacros: Record<string, (id: string, node: WorkflowNode) => WorkflowFragment> = {
  [decompose.type]: expandDecompose,
};

/**
 * The workflow with macro node `id` replaced by its expansion: the fragment's nodes are added and every
 * input that read one of the macro's outputs reads the fragment's node instead. Form fields that named
 * the macro's params follow them to the node that now holds each.
 */
export function expandMacro(wf: Workflow, id: string): Workflow {
  const node = wf.nodes[id];
  const expand = node && layerflowMacros[node.type];
  if (!expand) throw new Error(`node "${id}" is not a macro (${node?.type ?? 'no such node'})`);
  const fragment = expand(id, node);
  const clash = Object.keys(fragment.nodes).find((n) => n in wf.nodes);
  if (clash) throw new Error(`cannot expand "${id}": the workflow already has a node "${clash}"`);
  const nodes: Workflow['nodes'] = {};
  for (const [nid, n] of Object.entries(wf.nodes)) {
    if (nid === id) continue;
    const inputs = Object.fromEntries(
      Object.entries(n.inputs).map(([name, link]) => [
        name,
        link.node === id ? (fragment.outputs[link.output] ?? link) : link,
      ]),
    );
    nodes[nid] = { ...n, inputs };
  }
  Object.assign(nodes, fragment.nodes);
  const form = wf.form?.map((f) => (f.node === id ? { ...f, node: fragment.params[f.param] ?? f.node } : f));
  return { ...wf, nodes, ...(form ? { form } : {}), ...layoutAfter(wf, id, Object.keys(fragment.nodes)) };
}

/** Editor positions: the fragment's nodes in a row from where the macro stood. */
function layoutAfter(wf: Workflow, id: string, added: string[]): Pick<Workflow, 'layout'> {
  const at = wf.layout?.nodes?.[id];
  if (!wf.layout?.nodes || !at) return wf.layout ? { layout: wf.layout } : {};
  const { [id]: _macro, ...rest } = wf.layout.nodes;
  const row = Object.fromEntries(added.map((nid, i) => [nid, { x: at.x + i * 280, y: at.y }]));
  return { layout: { ...wf.layout, nodes: { ...rest, ...row } } };
}
