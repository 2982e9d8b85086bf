import { z } from 'zod';
import { MediaError } from './errors.ts';
import { fileArg, runTool } from './ffmpeg.ts';

const VideoStream = z.object({
  codec_type: z.literal('video'),
  codec_name: z.string().default(''),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  pix_fmt: z.string().default(''),
  r_frame_rate: z.string().default('0/0'),
  avg_frame_rate: z.string().default('0/0'),
  nb_frames: z.string().optional(),
  duration: z.string().optional(),
  tags: z.record(z.string(), z.string()).default({}),
  side_data_list: z.array(z.object({ rotation: z.number().optional() }).loose()).default([]),
});
export type VideoStream = z.infer<typeof VideoStream>;

const ProbeOutput = z.object({ streams: z.array(z.object({ codec_type: z.string().optional() }).loose()).default([]) });

/** The first video stream of a file, as ffprobe reports it. */
export async function probeVideo(path: string, signal?: AbortSignal): Promise<VideoStream> {
  const args = ['-v', 'error', '-show_streams', '-of', 'json', fileArg(path)];
  const json = await runTool('ffprobe', args, { file: path, signal, maxOutputBytes: 4 * 2 ** 20 });
  const streams = ProbeOutput.parse(JSON.parse(json.toString())).streams;
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw new MediaError('unsupported', `${path} has no video stream`, { file: path });
  const parsed = VideoStream.safeParse(video);
  if (!parsed.success)
    throw new MediaError('unsupported', `${path}: unreadable video stream (${parsed.error.issues[0].message})`, {
      file: path,
    });
  return parsed.data;
}

/** Frames in the first video stream: the container's count, else counted packet by packet (WebM has none). */
export async function countFrames(path: string, stream: VideoStream): Promise<number> {
  const stated = Number(stream.nb_frames);
  if (Number.isInteger(stated) && stated > 0) return stated;
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets'];
  const json = await runTool('ffprobe', [...args, '-of', 'json', path], { file: path });
  const counted = Number(
    (JSON.parse(json.toString()) as { streams?: { nb_read_packets?: string }[] }).streams?.[0]?.nb_read_packets,
  );
  return Number.isInteger(counted) ? counted : 0;
}

/** A stream tag regardless of case (muxers write ALPHA_MODE or alpha_mode). */
export function tag(stream: VideoStream, name: string): string | undefined {
  const key = Object.keys(stream.tags).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : stream.tags[key];
}

/** VP8/VP9 in WebM keep alpha in a side channel that only the libvpx decoders read. */
export function hasVpxAlpha(stream: VideoStream): boolean {
  return (stream.codec_name === 'vp9' || stream.codec_name === 'vp8') && tag(stream, 'alpha_mode') === '1';
}

const ALPHA_PIX_FMT = /^(yuva|rgba|bgra|argb|abgr|gbrap|ya|pal8)/;

/** Whether decoding the stream can give an alpha channel. */
export function streamHasAlpha(stream: VideoStream): boolean {
  return hasVpxAlpha(stream) || ALPHA_PIX_FMT.test(stream.pix_fmt);
}

/** Frames per second from "num/den" rates (average first), or undefined when unknown. */
export function streamFps(stream: VideoStream): number | undefined {
  for (const rate of [stream.avg_frame_rate, stream.r_frame_rate]) {
    const [num, den] = rate.split('/').map(Number);
    if (num > 0 && den > 0) return num / den;
  }
  return undefined;
}

/** Display size: rotation metadata of ±90° swaps width and height (ffmpeg autorotates when decoding). */
export function displaySize(stream: VideoStream): { width: number; height: number } {
  const rotation = stream.side_data_list.find((d) => d.rotation !== undefined)?.rotation ?? 0;
  const quarter = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  return quarter ? { width: stream.height, height: stream.width } : { width: stream.width, height: stream.height };
}

/** How many frames the stream says it has (its count, else duration × rate), or undefined when it does not say. */
export function declaredFrames(stream: VideoStream): number | undefined {
  const count = Number(stream.nb_frames);
  if (Number.isInteger(count) && count > 0) return count;
  const seconds = Number(stream.duration);
  const fps = streamFps(stream);
  return seconds > 0 && fps ? Math.ceil(seconds * fps) : undefined;
}
