import { canonicalJson } from '../graph-engine/json.ts';
import type { PortType } from '../graph-engine/ports.ts';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { ProbeResult } from '../graph-engine/spec.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import type { Issue } from './schemas.ts';

/** What the files of a workflow's file nodes hold: output types for inference, facts for the editor. */
export interface Probed {
  types: Record<string, Record<string, PortType>>;
  media: Record<string, Record<string, unknown>>;
  issues: Issue[];
}

/** Probes kept, by node type, params and file version; editing elsewhere never reads a file again. */
const KEEP = 200;

/**
 * A function that probes every node whose spec can read its file (spec.probe), remembering answers by
 * the file's version (spec.externalKey), so the editor's analysis after each edit stays cheap.
 */
export function fileProber(registry: NodeRegistry): (wf: Workflow) => Promise<Probed> {
  const seen = new Map<string, Promise<ProbeResult | undefined>>();
  return async (wf) => {
    const probed: Probed = { types: {}, media: {}, issues: [] };
    await Promise.all(
      Object.entries(wf.nodes).map(async ([id, node]) => {
        const spec = registry.get(node.type, node.typeVersion);
        const params = spec?.params.safeParse(node.params);
        if (!spec?.probe || !params?.success) return;
        const version = (await spec.externalKey?.(params.data).catch(() => 'unreadable')) ?? '';
        const key = `${node.type}\0${canonicalJson(params.data)}\0${version}`;
        let answer = seen.get(key);
        if (!answer) {
          answer = spec.probe(params.data);
          seen.set(key, answer);
          if (seen.size > KEEP) seen.delete(seen.keys().next().value as string);
        }
        try {
          const result = await answer;
          if (!result) return;
          probed.types[id] = result.outputs;
          probed.media[id] = result.facts;
        } catch (err) {
          seen.delete(key);
          const message = err instanceof Error ? err.message : String(err);
          probed.issues.push({ nodeId: id, field: 'path', code: 'unreadable-file', message });
        }
      }),
    );
    return probed;
  };
}
