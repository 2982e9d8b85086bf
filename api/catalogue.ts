import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { Catalogue } from './schemas.ts';

/**
 * The editor's catalogue: the registry's own description of every node (params as JSON Schema with the
 * `.meta()` hints, defaults, ports with their colours) in palette order, and every port kind.
 */
export function buildCatalogue(registry: NodeRegistry): Catalogue {
  const { nodes, kinds } = registry.describe();
  const sorted = [...nodes].sort((a, b) => a.category.localeCompare(b.category) || a.title.localeCompare(b.title));
  return { nodes: sorted, kinds };
}
