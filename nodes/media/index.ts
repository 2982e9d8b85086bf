import type { NodeSpec } from '../../graph-engine/spec.ts';
import { composite } from './composite.ts';
import { loadFrames } from './load-frames.ts';
import { loadVideo } from './load-video.ts';
import { preview } from './preview.ts';
import { saveImage } from './save-image.ts';
import { saveVideo } from './save-video.ts';

/** For long-lived hosts: keep encoder processes started for the next save of each kind (0: none). */
export { keepSpareEncoders } from '../../media/encoder-pool.ts';

/** The media node pack: video and image load/save, preview, compositor. */
export const mediaNodes: NodeSpec[] = [
  loadVideo,
  loadFrames,
  saveVideo,
  saveImage,
  preview,
  composite,
] as unknown as NodeSpec[];
