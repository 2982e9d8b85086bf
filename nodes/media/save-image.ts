import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import { writeFileAtomic } from '../../media/atomic.ts';
import { contactSheet, type SheetLayer } from '../../media/contact-sheet.ts';
import type { Frames } from '../../media/frames.ts';
import { withText, writePng } from '../../media/png.ts';
import { type LayeredFrames, layersInput, videoInput, withMatte } from './clip.ts';
import { FileNameParam, layerFileName, outputBase, workflowTags } from './files.ts';
import { MediaNodeError } from './node-error.ts';

const Params = z.object({
  image: z
    .enum(['frame', 'contact-sheet'])
    .default('frame')
    .meta({ label: 'Image', docs: 'one frame, or a grid of evenly spaced frames (one row per layer)' }),
  frame: z.number().int().min(-100_000).max(100_000).default(0).meta({
    widget: 'number',
    label: 'Frame (negative: from the end)',
  }),
  columns: z.number().int().min(1).max(64).default(6).meta({ label: 'Contact sheet columns' }),
  cellHeight: z.number().int().min(16).max(1024).default(120).meta({ label: 'Contact sheet row height (px)' }),
  filename: FileNameParam,
});
type Params = z.infer<typeof Params>;

/** The frame index `frame` names in a clip of `count` frames (negative counts from the end), or why not. */
export function frameIndex(frame: number, count: number): number | string {
  const i = frame < 0 ? count + frame : frame;
  return i >= 0 && i < count
    ? i
    : `frame ${frame} is outside the clip's ${count} frames (0 to ${count - 1}, or -1 for the last)`;
}

function pickFrame(clip: Frames, frame: number, input: string): number {
  const i = frameIndex(frame, clip.frames);
  if (typeof i === 'string') throw new MediaNodeError('frame-range', `${input}: ${i}`, 'frame');
  return i;
}

function inferIssues(inputs: Record<string, PortType | undefined>, params: Params): SpecIssue[] {
  const { video, layers } = inputs;
  if (!video && !layers) return [{ field: 'video', code: 'no-input', message: 'connect a video or layers to save' }];
  if (video && layers) return [{ field: 'layers', code: 'two-inputs', message: 'connect a video or layers, not both' }];
  const frames = (video ?? layers)?.frames;
  const i = typeof frames === 'number' && params.image === 'frame' ? frameIndex(params.frame, frames) : 0;
  return typeof i === 'string' ? [{ field: 'frame', code: 'frame-range', message: i }] : [];
}

/**
 * The layers of a LayeredVideo, or the one video, as labelled rows. An opaque foreground next to an alpha
 * layer gets that matte, so the sheet shows it as it composites (over a checkerboard).
 */
function rows(inputs: Record<string, unknown>): SheetLayer[] {
  if (inputs.video !== undefined) return [{ label: 'video', frames: videoInput(inputs.video, 'video') }];
  const layered: LayeredFrames = layersInput(inputs.layers, 'layers');
  const { foreground, alpha } = layered.clips;
  const matted =
    foreground && alpha && foreground.channels === 3 && sameSize(foreground, alpha)
      ? withMatte(foreground, alpha)
      : undefined;
  return layered.layers.map((label) => ({
    label,
    frames: label === 'foreground' && matted ? matted : layered.clips[label],
  }));
}

function sameSize(a: Frames, b: Frames): boolean {
  return a.frames === b.frames && a.width === b.width && a.height === b.height;
}

export const saveImage = defineNode({
  type: 'media.save-image',
  version: 1,
  category: 'Media',
  title: 'Save Image',
  docs: "Writes a PNG into the run's output folder: one **frame** of a video (RGBA when it has alpha), one PNG per layer of a layered video (in a folder named like the file), or a **contact sheet**: evenly spaced frames in a grid, one labelled row per layer, alpha layers over a checkerboard. The file name defaults to the node id.",
  purity: 'sink',
  writesRunFiles: true,
  inputs: {
    video: { type: { kind: 'Video' }, optional: true },
    layers: { type: { kind: 'LayeredVideo' }, optional: true },
  },
  outputs: { file: { type: { kind: 'Text' }, docs: 'Path of the written PNG (the folder, for a frame of layers).' } },
  params: Params,
  infer: (inputs, params) => ({ outputs: { file: { kind: 'Text' } }, issues: inferIssues(inputs, params) }),
  async run(inputs, params, ctx) {
    if (inputs.video === undefined && inputs.layers === undefined) {
      throw new MediaNodeError('no-input', 'nothing to save: connect a video or layers', 'video');
    }
    await mkdir(ctx.outDir, { recursive: true });
    const base = outputBase(params.filename, ctx.nodeId, '.png');
    const sheetRows = rows(inputs);
    const text = workflowTags(ctx);
    const files: string[] = [];
    /** The PNGs written RGBA (a frame with alpha); a contact sheet is flattened on its checkerboard. */
    const withAlpha: string[] = [];
    let path: string;
    if (params.image === 'contact-sheet') {
      path = join(ctx.outDir, `${base}.png`);
      const png = contactSheet(sheetRows, { columns: params.columns, cellHeight: params.cellHeight });
      await writeFileAtomic(path, withText(png, text));
      files.push(path);
    } else if (inputs.video !== undefined) {
      path = join(ctx.outDir, `${base}.png`);
      await writePng(path, sheetRows[0].frames, pickFrame(sheetRows[0].frames, params.frame, 'video'), text);
      files.push(path);
      if (sheetRows[0].frames.channels === 4) withAlpha.push(path);
    } else {
      path = join(ctx.outDir, base);
      await mkdir(path, { recursive: true });
      for (const { label, frames } of sheetRows) {
        const file = join(path, `${layerFileName(label)}.png`);
        await writePng(file, frames, pickFrame(frames, params.frame, `layers.${label}`), text);
        files.push(file);
        if (frames.channels === 4) withAlpha.push(file);
      }
    }
    const rel = (f: string) => relative(ctx.outDir, f).split('\\').join('/');
    ctx.report({ files: files.map(rel), withAlpha: withAlpha.map(rel) });
    return { file: path };
  },
});
