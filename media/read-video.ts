import { z } from 'zod';
import { MediaError } from './errors.ts';
import { runTool } from './ffmpeg.ts';
import { type Frames, fromBytes } from './frames.ts';
import { displaySize, hasVpxAlpha, probeVideo, streamFps, streamHasAlpha } from './probe.ts';

export const ReadVideoOptions = z.object({
  maxFrames: z.number().int().positive().optional(),
  /** Resize every frame to this size (no aspect handling: the caller chose it). */
  size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
  /** Frame rate to report when the file has none (image formats). */
  fallbackFps: z.number().positive().default(24),
});
export type ReadVideoOptions = z.input<typeof ReadVideoOptions>;

/** Decodes a video file (mp4, webm, mov, gif, …) to frames: RGBA when the stream carries alpha, else RGB. */
export async function readVideo(path: string, options: ReadVideoOptions = {}): Promise<Frames> {
  const opts = ReadVideoOptions.parse(options);
  const stream = await probeVideo(path);
  const alpha = streamHasAlpha(stream);
  const { width, height } = opts.size ?? displaySize(stream);
  const args = [
    '-v',
    'error',
    '-nostdin',
    ...(hasVpxAlpha(stream) ? ['-c:v', stream.codec_name === 'vp9' ? 'libvpx-vp9' : 'libvpx'] : []),
    '-i',
    path,
    ...(opts.maxFrames ? ['-frames:v', String(opts.maxFrames)] : []),
    ...(opts.size ? ['-vf', `scale=${width}:${height}:flags=bicubic`] : []),
    '-vsync',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    alpha ? 'rgba' : 'rgb24',
    'pipe:1',
  ];
  const raw = await runTool('ffmpeg', args, { file: path });
  const channels = alpha ? 4 : 3;
  const frameBytes = width * height * channels;
  const frames = Math.floor(raw.length / frameBytes);
  if (frames === 0) throw new MediaError('no-frames', `${path}: no frames decoded`, { file: path });
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, frames * frameBytes);
  return { frames, height, width, channels, fps: streamFps(stream) ?? opts.fallbackFps, data: fromBytes(bytes) };
}
