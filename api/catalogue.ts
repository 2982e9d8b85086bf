import { z } from 'zod';
import type { PortKindRegistry } from '../graph-engine/ports.ts';
import type { NodeSpec } from '../graph-engine/spec.ts';
import type { Catalogue, NodeInfo } from './schemas.ts';

/** Param defaults, as parsing an empty object gives them (fields without a default are left out). */
function paramDefaults(params: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(params.shape)) {
    const parsed = (field as z.ZodType).safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) out[name] = parsed.data;
  }
  return out;
}

/** A node spec as plain JSON: ports, params as JSON Schema (with `.meta()` hints), and defaults. */
export function describeNode(spec: NodeSpec): NodeInfo {
  const { $schema: _drop, ...params } = z.toJSONSchema(spec.params, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    type: spec.type,
    version: spec.version,
    category: spec.category,
    title: spec.title,
    docs: spec.docs,
    purity: spec.purity,
    inputs: spec.inputs,
    outputs: spec.outputs,
    params,
    defaults: paramDefaults(spec.params),
  };
}

/** The editor's catalogue: every node, and the colour and docs of every port kind. */
export function buildCatalogue(specs: Iterable<NodeSpec>, kinds: PortKindRegistry): Catalogue {
  return {
    nodes: [...specs]
      .map(describeNode)
      .sort((a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title)),
    kinds: kinds.list().map(({ name, color, docs }) => ({ name, color, docs })),
  };
}
