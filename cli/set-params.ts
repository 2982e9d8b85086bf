import { resolve } from 'node:path';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { NodeSpec } from '../graph-engine/spec.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { UsageError } from './exit-codes.ts';

/** One `--set node.param=value`. */
export interface ParamSetting {
  nodeId: string;
  param: string;
  value: unknown;
}

/** Parses `node.param=value`; the value is JSON when it parses (numbers, booleans, arrays), else text. */
export function parseSetting(text: string): ParamSetting {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  const dot = key.lastIndexOf('.');
  if (eq < 0 || dot <= 0 || dot === key.length - 1) {
    throw new UsageError(`--set ${text}: expected node.param=value`);
  }
  return { nodeId: key.slice(0, dot), param: key.slice(dot + 1), value: parseValue(text.slice(eq + 1)) };
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A copy of the workflow with the settings applied; naming a node or param that does not exist is an error. */
export function applySettings(workflow: Workflow, settings: ParamSetting[], registry: NodeRegistry): Workflow {
  const nodes = structuredClone(workflow.nodes);
  for (const { nodeId, param, value } of settings) {
    const node = nodes[nodeId];
    if (!node) {
      throw new UsageError(`--set ${nodeId}.${param}: no node "${nodeId}" (nodes: ${Object.keys(nodes).join(', ')})`);
    }
    const spec = registry.get(node.type, node.typeVersion);
    const known = spec ? Object.keys(spec.params.shape) : undefined;
    if (known && !known.includes(param)) {
      const list = known.length > 0 ? known.join(', ') : 'none';
      throw new UsageError(`--set ${nodeId}.${param}: ${node.type} has no param "${param}" (params: ${list})`);
    }
    node.params = { ...node.params, [param]: isFileParam(registry, spec, param) ? absolutePath(value) : value };
  }
  return { ...workflow, nodes };
}

/** Whether the param names a file or folder (its UI hint), so a relative path means one from here. */
function isFileParam(registry: NodeRegistry, spec: NodeSpec | undefined, param: string): boolean {
  if (!spec) return false;
  const props = (registry.describeNode(spec).params.properties ?? {}) as Record<string, { widget?: string }>;
  return props[param]?.widget === 'file';
}

/** A relative path made absolute from the working directory (the run and its manifest see where it was). */
function absolutePath(value: unknown): unknown {
  return typeof value === 'string' && value.trim() !== '' ? resolve(value) : value;
}
