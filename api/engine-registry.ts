import type { NodeRegistry } from '../graph-engine/registry.ts';
import { createRegistry } from '../nodes/index.ts';
import { keepSpareEncoders } from '../nodes/media/index.ts';

/**
 * Spare encoders for the process that runs a studio's jobs: the editor re-runs graphs after small
 * changes, so a waiting encoder per kind saves loading ffmpeg each time.
 */
export function keepEditorSpares(): void {
  keepSpareEncoders(4);
}

/** The built-in registry as the server's engine child builds it, with the editor's spares kept there. */
export function createEngineRegistry(): NodeRegistry {
  keepEditorSpares();
  return createRegistry();
}
