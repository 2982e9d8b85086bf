import type { z } from 'zod';
import { ancestors, defaultTargets } from '../graph-engine/graph.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { Workflow } from '../graph-engine/workflow.ts';

/** A param that points outside the job: a file or folder it reads (`widget: 'file'`) or a model pack. */
export interface PathParam {
  nodeId: string;
  param: string;
  kind: 'file' | 'pack';
  value: unknown;
}

/**
 * Every param of the nodes the job runs whose schema says it names a file (`.meta({ widget: 'file' })`,
 * as Load Video and Load Frames do) or a model pack (`widget: 'pack'`). Read from the specs, so a node
 * added later with such a param is covered without a list here; defaults count as set.
 */
export function pathParams(wf: Workflow, registry: NodeRegistry, targets?: string[]): PathParam[] {
  const scope = ancestors(wf, targets ?? defaultTargets(wf, registry));
  const found: PathParam[] = [];
  for (const [nodeId, node] of Object.entries(wf.nodes)) {
    const spec = scope.has(nodeId) ? registry.get(node.type, node.typeVersion) : undefined;
    if (!spec) continue;
    const parsed = spec.params.safeParse(node.params);
    const params = (parsed.success ? parsed.data : node.params) as Record<string, unknown>;
    for (const [param, schema] of Object.entries(spec.params.shape as Record<string, z.ZodType>)) {
      const widget = schema.meta()?.widget;
      if (widget === 'file' || widget === 'pack') found.push({ nodeId, param, kind: widget, value: params[param] });
    }
  }
  return found;
}
