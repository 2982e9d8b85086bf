import { ancestors, hasNode, topologicalOrder } from './graph.ts';
import { activeGraph } from './modes.ts';
import type { PortType } from './ports.ts';
import type { NodeRegistry } from './registry.ts';
import type { NodeSpec, SpecNote } from './spec.ts';
import type { ValidationError } from './validation-error.ts';
import type { Workflow } from './workflow.ts';

/** Every node's output types, and the constraint issues the specs' `infer` found on the way. */
export interface GraphTypes {
  /** Per node id, per output name; nodes of unknown type have none. */
  outputs: Record<string, Record<string, PortType>>;
  issues: ValidationError[];
  /** The specs' notes (resizes, caveats), addressed to node and field. */
  notes: GraphNote[];
}

export interface GraphNote extends SpecNote {
  nodeId: string;
}

/**
 * Infers the type of every output over the graph (upstream first) from the specs' `infer`, falling
 * back to the declared types. `only` limits it to those nodes and their ancestors. `probed` holds what
 * external nodes' files were found to hold (spec.probe), which refines those nodes' outputs.
 */
export function inferGraphTypes(
  original: Workflow,
  registry: NodeRegistry,
  only?: readonly string[],
  probed: Record<string, Record<string, PortType>> = {},
): GraphTypes {
  // Types flow through the graph that runs; left-out nodes get their pass-through or declared types.
  const active = activeGraph(original, registry);
  const wf = active.workflow;
  const scope = only ? ancestors(wf, only) : new Set(Object.keys(wf.nodes));
  const { order, rest } = topologicalOrder(wf, scope);
  const types: GraphTypes = { outputs: {}, issues: [], notes: [] };
  // Nodes on a cycle come last: their upstream types may be unknown, so they get declared types.
  for (const id of [...order, ...rest]) {
    const node = wf.nodes[id];
    const spec = registry.get(node.type, node.typeVersion);
    if (!spec) continue;
    const inferred = inferNode(wf, id, spec, registry, types);
    types.outputs[id] = Object.hasOwn(probed, id) ? { ...inferred, ...probed[id] } : inferred;
  }
  for (const id of Object.keys(active.skipped)) {
    const node = original.nodes[id];
    const spec = registry.get(node.type, node.typeVersion);
    if (!spec) continue;
    const passed = active.passThrough[id] ?? {};
    types.outputs[id] = Object.fromEntries(
      Object.entries(spec.outputs).map(([name, port]) => {
        const from = passed[name];
        return [name, (from && types.outputs[from.node]?.[from.output]) ?? port.type];
      }),
    );
  }
  return types;
}

/** The type arriving at each input, or undefined when unconnected, unknown, or not what the input takes. */
export function inputTypes(
  wf: Workflow,
  id: string,
  spec: NodeSpec,
  registry: NodeRegistry,
  outputs: GraphTypes['outputs'],
): Record<string, PortType | undefined> {
  const node = wf.nodes[id];
  const entries = Object.entries(spec.inputs).map(([name, port]): [string, PortType | undefined] => {
    const link = Object.hasOwn(node.inputs, name) ? node.inputs[name] : undefined;
    if (!link || !hasNode(wf, link.node)) return [name, undefined];
    const from = outputs[link.node];
    const type = from && Object.hasOwn(from, link.output) ? from[link.output] : undefined;
    return [name, type && registry.kinds.mismatch(type, port.type) === null ? type : undefined];
  });
  return Object.fromEntries(entries);
}

function inferNode(
  wf: Workflow,
  id: string,
  spec: NodeSpec,
  registry: NodeRegistry,
  types: GraphTypes,
): Record<string, PortType> {
  const declared = Object.fromEntries(Object.entries(spec.outputs).map(([name, port]) => [name, port.type]));
  const params = spec.params.safeParse(wf.nodes[id].params);
  // Bad params are reported by validation; inferring from them would only add noise.
  if (!spec.infer || !params.success) return declared;
  try {
    const result = spec.infer(inputTypes(wf, id, spec, registry, types.outputs), params.data);
    for (const issue of result.issues ?? []) types.issues.push({ nodeId: id, ...issue });
    for (const note of result.notes ?? []) types.notes.push({ nodeId: id, ...note });
    const inferred = Object.entries(result.outputs).filter(([name]) => Object.hasOwn(declared, name));
    return { ...declared, ...Object.fromEntries(inferred) };
  } catch (err) {
    // A spec whose infer throws must not break validation of the whole graph while someone edits it.
    const message = `type inference of ${spec.type} failed: ${err instanceof Error ? err.message : String(err)}`;
    types.issues.push({ nodeId: id, code: 'infer-failed', message });
    return declared;
  }
}
