import type { Frames } from '../../media/frames.ts';
import { encodePng } from '../../media/png.ts';
import { resizeFrame } from '../../media/resize.ts';

/** The size that fits within `maxSide` on both sides, keeping the aspect ratio; never enlarges. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Frame `index` scaled to fit within `maxSide`. RGBA is averaged premultiplied, so fully clear pixels
 * (whose colour is arbitrary) add no colour fringe to the edges of the visible part.
 */
export function thumbnail(clip: Frames, index: number, maxSide: number): Frames {
  const { width, height } = fitWithin(clip.width, clip.height, maxSide);
  if (clip.channels === 3) return resizeFrame(clip, index, width, height);
  const n = clip.width * clip.height * 4;
  const pre = clip.data.slice(index * n, (index + 1) * n);
  for (let i = 0; i < pre.length; i += 4) {
    pre[i] *= pre[i + 3];
    pre[i + 1] *= pre[i + 3];
    pre[i + 2] *= pre[i + 3];
  }
  const small = resizeFrame({ ...clip, frames: 1, data: pre }, 0, width, height);
  const d = small.data;
  for (let i = 0; i < d.length; i += 4) {
    const inv = d[i + 3] > 0 ? 1 / d[i + 3] : 0;
    d[i] = Math.min(1, d[i] * inv);
    d[i + 1] = Math.min(1, d[i + 1] * inv);
    d[i + 2] = Math.min(1, d[i + 2] * inv);
  }
  return small;
}

/** A single-frame clip as a PNG data URL (RGBA when it has alpha). */
export function pngDataUrl(image: Frames): string {
  return `data:image/png;base64,${encodePng(image).toString('base64')}`;
}
