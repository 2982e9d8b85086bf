import { z } from 'zod';
import { defineNode } from '../../graph-engine/spec.ts';
import { evenlySpaced } from '../../media/contact-sheet.ts';
import type { Frames } from '../../media/frames.ts';
import { layersInput, videoInput } from './clip.ts';
import { MediaNodeError } from './node-error.ts';
import { pngDataUrl, thumbnail } from './thumbnail.ts';

/** The largest side of a preview image; previews travel as data URLs in events, so they stay small. */
export const PREVIEW_MAX_SIDE = 128;

/** Thumbnails of `count` evenly spaced frames of a clip, labelled "<name> · <frame>". */
function clipPreviews(name: string, clip: Frames, count: number, size: number) {
  return evenlySpaced(clip.frames, count).map((f) => ({
    label: `${name} · ${f}`,
    dataUrl: pngDataUrl(thumbnail(clip, f, size)),
  }));
}

export const preview = defineNode({
  type: 'media.preview',
  version: 1,
  category: 'Media',
  title: 'Preview',
  docs: `Shows a few evenly spaced frames of a video, or of each layer of a layered video, on the node in the editor (at most ${PREVIEW_MAX_SIDE} px; alpha kept). Writes no files and runs every time, so the pictures are always those of the latest run.`,
  purity: 'sink',
  inputs: {
    video: { type: { kind: 'Video' }, optional: true },
    layers: { type: { kind: 'LayeredVideo' }, optional: true },
  },
  outputs: {},
  params: z.object({
    frames: z.number().int().min(1).max(8).default(3).meta({ label: 'Frames per clip' }),
    size: z.number().int().min(16).max(PREVIEW_MAX_SIDE).default(PREVIEW_MAX_SIDE).meta({ label: 'Size (px)' }),
  }),
  infer: (inputs) => ({
    outputs: {},
    issues:
      inputs.video || inputs.layers
        ? []
        : [{ field: 'video', code: 'no-input', message: 'connect a video or layers to preview' }],
  }),
  async run(inputs, params, ctx) {
    if (inputs.video === undefined && inputs.layers === undefined) {
      throw new MediaNodeError('no-input', 'nothing to preview: connect a video or layers', 'video');
    }
    const previews = [];
    if (inputs.video !== undefined) {
      previews.push(...clipPreviews('video', videoInput(inputs.video, 'video'), params.frames, params.size));
    }
    if (inputs.layers !== undefined) {
      const layered = layersInput(inputs.layers, 'layers');
      for (const layer of layered.layers) {
        previews.push(...clipPreviews(layer, layered.clips[layer], params.frames, params.size));
      }
    }
    ctx.preview(previews);
    return {};
  },
});
