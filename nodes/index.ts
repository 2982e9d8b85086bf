import { PortKindRegistry } from '../graph-engine/ports.ts';
import { NodeRegistry } from '../graph-engine/registry.ts';
import { add } from './core/add.ts';
import { number } from './core/number.ts';
import { saveText } from './core/save-text.ts';
import { layerPrompts } from './layerflow/layer-prompts.ts';
import { registerPortKinds } from './types.ts';

/** A registry with every node pack and port kind the app ships. */
export function createRegistry(): NodeRegistry {
  const kinds = new PortKindRegistry();
  registerPortKinds(kinds);
  const registry = new NodeRegistry(kinds);
  for (const spec of [number, add, saveText, layerPrompts]) registry.register(spec);
  return registry;
}
