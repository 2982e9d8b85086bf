import { z } from 'zod';
import { MediaError } from './errors.ts';
import { fileArg, runTool } from './ffmpeg.ts';
import { type Frames, fromBytes } from './frames.ts';
import { clipTooLarge, frameTooLarge, MEDIA_LIMITS } from './limits.ts';
import { declaredFrames, displaySize, hasVpxAlpha, probeVideo, streamFps, streamHasAlpha } from './probe.ts';

export const ReadVideoOptions = z.object({
  maxFrames: z.number().int().positive().optional(),
  /** Resize every frame to this size (no aspect handling: the caller chose it). */
  size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
  /** Frame rate to report when the file has none (image formats). */
  fallbackFps: z.number().positive().default(24),
});
export type ReadVideoOptions = z.input<typeof ReadVideoOptions>;

/**
 * Decodes a video file (mp4, webm, mov, gif, …) to frames: RGBA when the stream carries alpha, else RGB.
 * The size its header declares is checked against the media limits before decoding, and decoding stops
 * at the limit for a file that declares less than it holds. Aborting `signal` kills ffmpeg.
 */
export async function readVideo(path: string, options: ReadVideoOptions = {}, signal?: AbortSignal): Promise<Frames> {
  const opts = ReadVideoOptions.parse(options);
  const stream = await probeVideo(path, signal);
  const alpha = streamHasAlpha(stream);
  const { width, height } = opts.size ?? displaySize(stream);
  const declared = declaredFrames(stream);
  const wanted = opts.maxFrames && declared ? Math.min(opts.maxFrames, declared) : (opts.maxFrames ?? declared ?? 1);
  const tooLarge = frameTooLarge(width, height) ?? clipTooLarge(wanted, width, height);
  if (tooLarge) throw new MediaError('too-large', `${path}: ${tooLarge}`, { file: path });
  const channels = alpha ? 4 : 3;
  const frameBytes = width * height * channels;
  const mostFrames = Math.min(
    opts.maxFrames ?? Number.POSITIVE_INFINITY,
    Math.floor(MEDIA_LIMITS.clipPixels / (width * height)),
  );
  const args = [
    '-v',
    'error',
    '-nostdin',
    ...(hasVpxAlpha(stream) ? ['-c:v', stream.codec_name === 'vp9' ? 'libvpx-vp9' : 'libvpx'] : []),
    '-i',
    fileArg(path),
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
  const raw = await runTool('ffmpeg', args, { file: path, signal, maxOutputBytes: mostFrames * frameBytes });
  const frames = Math.floor(raw.length / frameBytes);
  if (frames === 0) throw new MediaError('no-frames', `${path}: no frames decoded`, { file: path });
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, frames * frameBytes);
  return { frames, height, width, channels, fps: streamFps(stream) ?? opts.fallbackFps, data: fromBytes(bytes) };
}
