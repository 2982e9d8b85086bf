import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { readFrameSequence } from '../../media/frame-sequence.ts';
import { sliceFrames } from './clip.ts';
import { FALLBACK_INPUT, FILE_VIDEO, fallbackVideo, folderKey, noFileIssue, requireSequenceFolder } from './files.ts';
import { atField, MediaNodeError } from './node-error.ts';
import { probeFrameFiles } from './probe-file.ts';

const NO_FOLDER = 'choose a folder or a pattern such as frames/*.png';

export const loadFrames = defineNode({
  type: 'media.load-frames',
  version: 1,
  category: 'Media',
  title: 'Load Frames',
  docs: 'Reads a PNG/JPG image sequence: every image in a folder, or those matching a pattern whose file-name part may hold `*` and `?` (`shots/fg/*.png`). Frames are ordered by name with numbers compared as numbers. RGBA when any frame has an alpha channel (PNG), else RGB; all frames must be one size. While no folder is chosen it passes on its **fallback** input. Re-runs only when an image in the folder changes.',
  purity: 'external',
  inputs: { fallback: FALLBACK_INPUT },
  outputs: { video: { type: { kind: 'Video' }, docs: 'The frames in name order.' } },
  params: z.object({
    path: z.string().default('').meta({ widget: 'file', label: 'Folder or pattern', folder: true }),
    fps: z.number().positive().max(1000).default(24).meta({ label: 'FPS' }),
    startFrame: z.number().int().min(0).default(0).meta({ label: 'Start frame' }),
    maxFrames: z.number().int().min(0).default(0).meta({ label: 'Max frames (0: all)' }),
  }),
  infer: (inputs, params) => ({
    outputs: { video: params.path.trim() === '' && inputs.fallback ? inputs.fallback : FILE_VIDEO },
    issues: noFileIssue(params.path, inputs.fallback, NO_FOLDER),
  }),
  externalKey: (params) => (params.path.trim() === '' ? Promise.resolve('fallback') : folderKey(params.path)),
  probe: probeFrameFiles,
  async run(inputs, params, ctx) {
    if (params.path.trim() === '') return { video: fallbackVideo(inputs.fallback, NO_FOLDER) };
    await requireSequenceFolder(params.path, 'path');
    ctx.progress(0, 'reading images');
    const wanted = params.maxFrames > 0 ? params.startFrame + params.maxFrames : undefined;
    const all = await atField(
      'path',
      readFrameSequence(params.path, { fps: params.fps, maxFrames: wanted }, ctx.signal),
    );
    if (params.startFrame >= all.frames) {
      throw new MediaNodeError(
        'frame-range',
        `${params.path} has ${all.frames} frames; start frame ${params.startFrame} is past the end`,
        'startFrame',
      );
    }
    ctx.progress(1);
    return { video: params.startFrame > 0 ? sliceFrames(all, params.startFrame) : all };
  },
});
