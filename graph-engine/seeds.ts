import { randomInt } from 'node:crypto';
import type { NodeRegistry } from './registry.ts';
import type { Workflow } from './workflow.ts';

/** The param a seeded node reads its seed from; -1 or absent means "pick one when the job is submitted". */
export const SEED_PARAM = 'seed';
const UINT32_RANGE = 2 ** 32;

/** A fresh uint32 seed from the OS's random source. */
export function randomSeed(): number {
  return randomInt(0, UINT32_RANGE);
}

/**
 * Gives every seeded node whose seed is -1 or absent a concrete uint32, so the job can be recorded and
 * repeated exactly. Returns a new workflow and the seed of every seeded node (given or drawn).
 */
export function resolveSeeds(
  wf: Workflow,
  registry: NodeRegistry,
  random: () => number = randomSeed,
): { workflow: Workflow; seeds: Record<string, number> } {
  const nodes = { ...wf.nodes };
  const seeds: Record<string, number> = {};
  for (const [id, node] of Object.entries(wf.nodes)) {
    if (registry.get(node.type, node.typeVersion)?.purity !== 'seeded') continue;
    const given = node.params[SEED_PARAM];
    const seed = given === undefined || given === -1 ? random() >>> 0 : given;
    if (typeof seed === 'number') seeds[id] = seed;
    if (seed !== given) nodes[id] = { ...node, params: { ...node.params, [SEED_PARAM]: seed } };
  }
  return { workflow: { ...wf, nodes }, seeds };
}
