import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { NodeSpec } from '../graph-engine/spec.ts';
import { createRegistry } from '../nodes/index.ts';
import { UsageError } from './exit-codes.ts';

/** The app's node registry plus the nodes of each `--node-pack` module (its `nodes` export). */
export async function registryWithPacks(packs: string[]): Promise<NodeRegistry> {
  const registry = createRegistry();
  for (const pack of packs) {
    for (const spec of await importNodes(pack)) registry.register(spec);
  }
  return registry;
}

async function importNodes(path: string): Promise<NodeSpec[]> {
  const mod = (await import(pathToFileURL(resolve(path)).href).catch((err: Error) => {
    throw new UsageError(`cannot load node pack ${path}: ${err.message}`);
  })) as { nodes?: unknown };
  if (!Array.isArray(mod.nodes)) throw new UsageError(`node pack ${path} has no \`nodes\` array export`);
  return mod.nodes as NodeSpec[];
}
