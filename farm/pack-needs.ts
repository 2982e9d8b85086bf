import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { manifestHash } from '../nodes/layerflow/pack-source.ts';
import type { WorkerAdvert } from './advert.ts';
import { pathParams } from './path-params.ts';
import type { PackNeed } from './payload.ts';

/** A pack no worker and no local folder can vouch for, named with the node that wants it. */
export class PackNeedError extends Error {
  readonly code = 'pack-unavailable';
  constructor(
    readonly nodeId: string,
    message: string,
  ) {
    super(message);
    this.name = 'PackNeedError';
  }
}

/**
 * The packs a job needs, each by content (its manifest's sha256): from the pack here when this machine
 * has it, else from what live workers advertise under that name. A job is routed on these hashes, so it
 * only reaches workers holding exactly those packs.
 */
export async function packNeeds(
  wf: Workflow,
  registry: NodeRegistry,
  targets: string[] | undefined,
  workers: () => Promise<WorkerAdvert[]>,
): Promise<PackNeed[]> {
  const needs: PackNeed[] = [];
  for (const p of pathParams(wf, registry, targets).filter((x) => x.kind === 'pack')) {
    const name = String(p.value);
    const sha256 = (await manifestHash(name).catch(() => undefined)) ?? advertised(name, p.nodeId, await workers());
    needs.push({ nodeId: p.nodeId, param: p.param, name, sha256 });
  }
  return needs;
}

function advertised(name: string, nodeId: string, workers: WorkerAdvert[]): string {
  const hashes = new Set(workers.flatMap((w) => w.packs.filter((p) => p.name === name).map((p) => p.sha256)));
  if (hashes.size === 1) return [...hashes][0];
  if (hashes.size === 0) {
    const known = [...new Set(workers.flatMap((w) => w.packs.map((p) => p.name)))].join(', ') || 'none';
    throw new PackNeedError(
      nodeId,
      `node ${nodeId}: pack "${name}" is not on this machine and no live worker has it (workers have: ${known})`,
    );
  }
  throw new PackNeedError(
    nodeId,
    `node ${nodeId}: workers hold ${hashes.size} different packs named "${name}"; install the one you mean here so its content picks the workers`,
  );
}
