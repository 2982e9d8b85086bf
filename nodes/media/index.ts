import type { NodeSpec } from '../../graph-engine/spec.ts';

/** The media node pack: video and image load/save, preview, compositor. */
export const mediaNodes: NodeSpec[] = [];
