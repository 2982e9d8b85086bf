import type { ProbeResult } from '../../graph-engine/spec.ts';
import { readFrameSequence, sequenceFiles } from '../../media/frame-sequence.ts';
import type { Frames } from '../../media/frames.ts';
import { countFrames, displaySize, probeVideo, streamFps, streamHasAlpha } from '../../media/probe.ts';
import { readVideo } from '../../media/read-video.ts';
import { requireFile, requireSequenceFolder } from './files.ts';
import { fitWithin, pngDataUrl, thumbnail } from './thumbnail.ts';

/** Longest side of the thumbnail shown on a file node. */
const THUMB = 96;

interface Range {
  startFrame: number;
  maxFrames: number;
}

/** Frames a start and a limit leave of `total`. */
function framesLeft(total: number, r: Range): number {
  const left = Math.max(0, total - r.startFrame);
  return r.maxFrames > 0 ? Math.min(left, r.maxFrames) : left;
}

function result(
  info: { frames: number; width: number; height: number; fps: number; alpha: boolean },
  first: Frames,
): ProbeResult {
  const { frames, width, height, fps, alpha } = info;
  const video = { kind: 'Video', frames, width, height, channels: alpha ? 4 : 3, alpha, fps, source: 'file' };
  return { outputs: { video }, facts: { ...info, thumbnail: pngDataUrl(thumbnail(first, 0, THUMB)) } };
}

/** What Load Video will give: frame count, size, fps and alpha of the file, and a thumbnail of its first frame. */
export async function probeVideoFile(params: Range & { path: string; fps: number }): Promise<ProbeResult | undefined> {
  if (params.path.trim() === '') return undefined;
  await requireFile(params.path, 'path', 'video file');
  const stream = await probeVideo(params.path);
  const { width, height } = displaySize(stream);
  const first = await readVideo(params.path, { maxFrames: 1, size: fitWithin(width, height, THUMB) });
  const frames = framesLeft(await countFrames(params.path, stream), params);
  const fps = params.fps > 0 ? params.fps : (streamFps(stream) ?? 24);
  return result({ frames, width, height, fps, alpha: streamHasAlpha(stream) }, first);
}

/** What Load Frames will give, from its first image and the number of images the path matches. */
export async function probeFrameFiles(params: Range & { path: string; fps: number }): Promise<ProbeResult | undefined> {
  if (params.path.trim() === '') return undefined;
  await requireSequenceFolder(params.path, 'path');
  const files = await sequenceFiles(params.path);
  const first = await readFrameSequence(params.path, { maxFrames: 1, fps: params.fps });
  const info = {
    frames: framesLeft(files.length, params),
    width: first.width,
    height: first.height,
    fps: params.fps,
    alpha: first.channels === 4,
  };
  return result(info, first);
}
