import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { INSTALL_HINT, missingTools } from '../../media/ffmpeg-binaries.ts';
import { readVideo } from '../../media/read-video.ts';
import { sliceFrames } from './clip.ts';
import { FALLBACK_INPUT, FILE_VIDEO, fallbackVideo, fileKey, noFileIssue, requireFile } from './files.ts';
import { atField, MediaNodeError } from './node-error.ts';
import { probeVideoFile } from './probe-file.ts';

const IMAGE = /^\.(png|jpe?g)$/i;

export const loadVideo = defineNode({
  type: 'media.load-video',
  version: 1,
  category: 'Media',
  title: 'Load Video',
  docs: "Decodes a video file (mp4, webm, mov, gif, …) with FFmpeg into frames. Keeps the alpha channel when the file has one (VP8/VP9 WebM with alpha, ProRes 4444, GIF transparency). **Start frame** and **max frames** pick a range; an **fps** above 0 replaces the rate the file reports (frames are not resampled). While no file is chosen it passes on its **fallback** input (the shipped presets link a Demo Clip there). Re-runs only when the file's size or modification time changes.",
  purity: 'external',
  inputs: { fallback: FALLBACK_INPUT },
  outputs: { video: { type: { kind: 'Video' }, docs: 'The decoded frames: RGBA when the file has alpha, else RGB.' } },
  params: z.object({
    path: z
      .string()
      .default('')
      .meta({ widget: 'file', label: 'File', extensions: ['mp4', 'webm', 'mov', 'gif', 'mkv'] }),
    startFrame: z.number().int().min(0).default(0).meta({ label: 'Start frame' }),
    maxFrames: z.number().int().min(0).default(0).meta({ label: 'Max frames (0: all)' }),
    fps: z.number().min(0).max(1000).default(0).meta({ label: 'FPS (0: from the file)' }),
  }),
  infer: (inputs, params) => ({
    outputs: { video: params.path.trim() === '' && inputs.fallback ? inputs.fallback : FILE_VIDEO },
    issues: IMAGE.test(extname(params.path))
      ? [{ field: 'path', code: 'image-file', message: 'this is an image; use Load Frames for images and sequences' }]
      : noFileIssue(params.path, inputs.fallback, 'choose a video file'),
  }),
  checkEnvironment: (params) => {
    // while no file is chosen the fallback is passed on and nothing is decoded
    const problem = params.path.trim() === '' ? undefined : missingTools(['ffprobe', 'ffmpeg']);
    if (!problem) return [];
    const message = `videos are decoded with ffprobe and ffmpeg, which cannot run here: ${problem}. ${INSTALL_HINT}`;
    return [{ field: 'path', code: 'missing-tool', message }];
  },
  externalKey: (params) => (params.path.trim() === '' ? Promise.resolve('fallback') : fileKey(params.path)),
  probe: probeVideoFile,
  async run(inputs, params, ctx) {
    if (params.path.trim() === '') return { video: fallbackVideo(inputs.fallback, 'choose a video file') };
    await requireFile(params.path, 'path', 'video file');
    ctx.progress(0, 'decoding');
    const wanted = params.maxFrames > 0 ? params.startFrame + params.maxFrames : undefined;
    const decoded = await atField('path', readVideo(params.path, { maxFrames: wanted }, ctx.signal));
    if (params.startFrame >= decoded.frames) {
      throw new MediaNodeError(
        'frame-range',
        `${params.path} has ${decoded.frames} frames; start frame ${params.startFrame} is past the end`,
        'startFrame',
      );
    }
    const ranged = params.startFrame > 0 ? sliceFrames(decoded, params.startFrame) : decoded;
    const video = params.fps > 0 ? { ...ranged, fps: params.fps } : ranged;
    const { size, mtimeMs } = await stat(params.path);
    ctx.report({ source: { path: params.path, bytes: size, modified: new Date(mtimeMs).toISOString() } });
    ctx.progress(1);
    return { video };
  },
});
