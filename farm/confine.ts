import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { ValidationError } from '../graph-engine/validation-error.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { type PathParam, pathParams } from './path-params.ts';
import type { PackNeed } from './payload.ts';
import type { LocalPack } from './worker-packs.ts';

/** What a worker lets a job touch besides its own run folder: files under these roots, and its packs. */
export interface WorkerPolicy {
  /** Folders file-reading nodes may read under (real paths; symlinks are followed before checking). */
  readRoots: string[];
  /** The worker's packs by manifest sha256. */
  packs: Map<string, LocalPack>;
}

/**
 * Checks a job's workflow against the worker's policy and returns it with every pack param pointing at
 * the worker's own copy of the pack the job named by content. A file param must be an absolute path
 * inside a read root (after resolving symlinks); a pack param must be one the job's pack list covers
 * with a pack this worker has. Issues are addressed to node and field, as validation's are.
 */
export async function confineWorkflow(
  wf: Workflow,
  registry: NodeRegistry,
  targets: string[] | undefined,
  needs: PackNeed[],
  policy: WorkerPolicy,
): Promise<{ workflow: Workflow; issues: ValidationError[] }> {
  const nodes = structuredClone(wf.nodes);
  const issues: ValidationError[] = [];
  for (const p of pathParams(wf, registry, targets)) {
    if (p.kind === 'file') {
      const problem = await fileProblem(p, policy.readRoots);
      if (problem) issues.push({ nodeId: p.nodeId, field: p.param, code: 'outside-read-roots', message: problem });
      continue;
    }
    const need = needs.find((n) => n.nodeId === p.nodeId && n.param === p.param && n.name === p.value);
    const local = need && policy.packs.get(need.sha256);
    if (!local) {
      const message = need
        ? `this worker has no pack with sha256 ${need.sha256.slice(0, 12)}… ("${need.name}")`
        : `pack "${String(p.value)}" is not in the job's pack list; a worker only opens packs named by content`;
      issues.push({ nodeId: p.nodeId, field: p.param, code: 'pack-not-here', message });
      continue;
    }
    nodes[p.nodeId] = { ...nodes[p.nodeId], params: { ...nodes[p.nodeId].params, [p.param]: local.param } };
  }
  return { workflow: { ...wf, nodes }, issues };
}

/** Why a file param may not be read here, or undefined when it may. */
async function fileProblem(p: PathParam, roots: string[]): Promise<string | undefined> {
  const value = typeof p.value === 'string' ? p.value : '';
  const allowed = roots.length ? roots.join(', ') : 'none (start the worker with --read-root DIR)';
  if (!isAbsolute(value)) return `"${value}" is not an absolute path; this worker reads only under: ${allowed}`;
  // A sequence pattern (`shots/*.png`) reads its folder.
  const target = /[*?]/.test(basename(value)) ? dirname(value) : value;
  const real = await realpath(target).catch(() => resolve(target));
  if (roots.some((root) => inside(real, root))) return undefined;
  return `${value} is outside the folders this worker may read: ${allowed}`;
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
