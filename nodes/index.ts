import { PortKindRegistry } from '../graph-engine/ports.ts';
import { NodeRegistry } from '../graph-engine/registry.ts';
import type { NodeSpec } from '../graph-engine/spec.ts';
import { add } from './core/add.ts';
import { number } from './core/number.ts';
import { saveText } from './core/save-text.ts';
import { layerflowNodes } from './layerflow/index.ts';
import { mediaNodes } from './media/index.ts';
import { registerPortKinds } from './types.ts';

/** A registry with every node pack and port kind the app ships. */
export function createRegistry(): NodeRegistry {
  const kinds = new PortKindRegistry();
  registerPortKinds(kinds);
  const registry = new NodeRegistry(kinds);
  const core = [number, add, saveText] as unknown as NodeSpec[];
  for (const spec of [...core, ...layerflowNodes, ...mediaNodes]) registry.register(spec);
  return registry;
}
