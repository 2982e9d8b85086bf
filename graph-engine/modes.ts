import type { PortType } from './ports.ts';
import type { NodeRegistry } from './registry.ts';
import { type ValidationError, validationError } from './validation-error.ts';
import type { Link, Workflow, WorkflowNode } from './workflow.ts';

/** The graph that actually runs once bypassed and muted nodes are taken out. */
export interface ActiveGraph {
  /** Nodes that run when needed; readers of bypassed nodes rewired to what those pass on. */
  workflow: Workflow;
  /** Nodes left out, each with why: "bypassed", "muted", or "needs muted <id>". */
  skipped: Record<string, string>;
  /** For each bypassed node and output: the link it passes on (the editor labels its edges with it). */
  passThrough: Record<string, Record<string, Link>>;
  /** Bypassed nodes with an output that is read but has no input of its kind to pass on. */
  issues: ValidationError[];
}

function kindsMatch(a: PortType, b: PortType): boolean {
  return a.kind === b.kind || a.kind === 'Any' || b.kind === 'Any';
}

type Ports = Record<string, { type: PortType }>;

/**
 * The input a bypassed node passes on as `output`: its first connected input of the output's kind.
 * Shared with the editor, which refuses a bypass that would leave a read output with nothing.
 */
export function passedInputName(
  ports: { inputs: Ports; outputs: Ports },
  connected: Iterable<string>,
  output: string,
): string | undefined {
  const out = ports.outputs[output];
  if (!out) return undefined;
  const linked = new Set(connected);
  return Object.entries(ports.inputs).find(([name, port]) => kindsMatch(port.type, out.type) && linked.has(name))?.[0];
}

function passedInput(node: WorkflowNode, output: string, registry: NodeRegistry): Link | undefined {
  const spec = registry.get(node.type, node.typeVersion);
  const name = spec && passedInputName(spec, Object.keys(node.inputs), output);
  return name ? node.inputs[name] : undefined;
}

/**
 * Applies node modes: readers of a bypassed node read what it passes on (through chains of bypassed
 * nodes), muted nodes and every node that needs one are left out. A workflow without modes is returned
 * as it is.
 */
export function activeGraph(wf: Workflow, registry: NodeRegistry): ActiveGraph {
  const none = { skipped: {}, passThrough: {}, issues: [] };
  if (!Object.values(wf.nodes).some((n) => n.mode)) return { workflow: wf, ...none };
  const skipped: Record<string, string> = {};
  const passThrough: Record<string, Record<string, Link>> = {};
  const issues: ValidationError[] = [];
  for (const [id, n] of Object.entries(wf.nodes)) if (n.mode) skipped[id] = n.mode === 'bypass' ? 'bypassed' : 'muted';

  /** Where a link really reads from: through bypassed nodes; undefined when one has nothing to pass on. */
  const follow = (link: Link, seen = new Set<string>()): Link | undefined => {
    const from = wf.nodes[link.node];
    if (from?.mode !== 'bypass') return link;
    if (seen.has(link.node)) return undefined;
    seen.add(link.node);
    const passed = passedInput(from, link.output, registry);
    if (!passed) return undefined;
    passThrough[link.node] = { ...passThrough[link.node], [link.output]: passed };
    return follow(passed, seen);
  };

  const nodes: Workflow['nodes'] = {};
  for (const [id, n] of Object.entries(wf.nodes)) {
    if (n.mode) continue;
    const inputs: WorkflowNode['inputs'] = {};
    for (const [name, link] of Object.entries(n.inputs)) {
      const source = follow(link);
      if (source) inputs[name] = source;
      else {
        const from = wf.nodes[link.node];
        const kind = registry.get(from.type, from.typeVersion)?.outputs[link.output]?.type.kind;
        const message = `bypassed, but it has no connected ${kind ?? ''} input to pass on as its "${link.output}" output (read by ${id})`;
        issues.push(validationError(link.node, link.output, 'bypass-impossible', message));
      }
    }
    nodes[id] = { ...n, inputs };
  }
  // Whatever reads a muted node cannot run either, nor what reads that.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, n] of Object.entries(nodes)) {
      const muted = Object.values(n.inputs).find((l) => skipped[l.node] && !nodes[l.node]);
      if (!muted) continue;
      const root = wf.nodes[muted.node].mode === 'mute' ? muted.node : skipped[muted.node].replace(/^needs muted /, '');
      skipped[id] = `needs muted ${root}`;
      delete nodes[id];
      changed = true;
    }
  }
  const { form: _form, ...rest } = wf;
  return { workflow: { ...rest, nodes }, skipped, passThrough, issues };
}
