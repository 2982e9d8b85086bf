import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import type { Frames } from '../../media/frames.ts';
import { actorSpecs, renderActor } from '../../models/demo/actors.ts';
import { backdropSpecs, renderBackdrop } from '../../models/demo/backdrops.ts';
import { clipLayers, DEMO_SIZE } from '../../models/demo/index.ts';
import type { LayeredVideoValue } from './values.ts';

const ACTORS = actorSpecs().map((a, i) => ({ value: i, label: `${a.caption} (lane ${a.lane < 0.5 ? 1 : 2})` }));
const BACKDROPS = backdropSpecs().map((b, i) => ({
  value: i,
  label: `${b.caption} (${b.dir > 0 ? 'one way' : 'other way'})`,
}));

/**
 * Most pixels (frames × width × height) a Demo Clip may have: it holds about 70 bytes per pixel (the
 * actor, the backdrop, four float layers and the RGBA foreground), so this is about 1.2 GB.
 */
export const DEMO_CLIP_PIXELS = 2 ** 24;

export const DemoClipParams = z
  .object({
    actor: z
      .number()
      .int()
      .min(0)
      .max(ACTORS.length - 1)
      .default(21)
      .meta({ widget: 'choice', label: 'Foreground actor', choices: ACTORS }),
    backdrop: z
      .number()
      .int()
      .min(0)
      .max(BACKDROPS.length - 1)
      .default(10)
      .meta({ widget: 'choice', label: 'Background', choices: BACKDROPS }),
    frames: z.number().int().min(1).max(256).default(DEMO_SIZE.frames).meta({ widget: 'number', label: 'Frames' }),
    width: z.number().int().min(8).max(1024).default(DEMO_SIZE.width).meta({ widget: 'number', label: 'Width' }),
    height: z.number().int().min(8).max(1024).default(DEMO_SIZE.height).meta({ widget: 'number', label: 'Height' }),
    fps: z.number().positive().max(120).default(8).meta({ widget: 'number', label: 'Frame rate' }),
  })
  .refine((p) => p.frames * p.width * p.height <= DEMO_CLIP_PIXELS, {
    path: ['frames'],
    error: (i) => {
      const p = i.input as { frames: number; width: number; height: number };
      const most = Math.max(1, Math.floor(DEMO_CLIP_PIXELS / (p.width * p.height)));
      return `${p.frames} frames of ${p.width}×${p.height} would need about ${Math.round((p.frames * p.width * p.height * 70) / 2 ** 30)} GB; at ${p.width}×${p.height} at most ${most} frames`;
    },
  });
export type DemoClipParams = z.infer<typeof DemoClipParams>;

/** One actor over one backdrop from the demo library, as plain videos and as model-convention layers. */
export function demoClip(p: DemoClipParams) {
  // Only the one actor and backdrop asked for are drawn (not the whole library, 48 clips at this size).
  const size = { frames: p.frames, height: p.height, width: p.width };
  const actor = renderActor(actorSpecs()[p.actor], size);
  const layers = clipLayers(actor, renderBackdrop(backdropSpecs()[p.backdrop], size));
  const shape = { frames: p.frames, height: p.height, width: p.width, fps: p.fps };
  // demoLayers allocates plain Float32Arrays; outputs are never written, so layers share them
  const clip = (data: Float32Array): Frames => ({ ...shape, channels: 3, data: data as Float32Array<ArrayBuffer> });
  const rgba = new Float32Array((actor.rgb.length / 3) * 4);
  for (let px = 0; px < rgba.length / 4; px++) {
    for (let k = 0; k < 3; k++) rgba[px * 4 + k] = actor.rgb[px * 3 + k] / 255;
    rgba[px * 4 + 3] = (actor.alpha as Uint8Array)[px] / 255;
  }
  const model: LayeredVideoValue = {
    layers: ['foreground', 'alpha', 'background', 'blend'],
    clips: {
      foreground: clip(layers.fg),
      alpha: clip(layers.alpha),
      background: clip(layers.bg),
      blend: clip(layers.blend),
    },
  };
  return {
    blend: clip(layers.blend),
    foreground: { ...shape, channels: 4, data: rgba } satisfies Frames,
    background: clip(layers.bg),
    layers: model,
  };
}

export const demoClipNode = defineNode({
  type: 'layerflow.demo-clip',
  version: 1,
  category: 'LayerFlow',
  title: 'Demo Clip',
  docs:
    'A layered clip from the demo library (any foreground actor over any background), so the ' +
    'decomposition and conditioned presets run out of the box: the blended video, the foreground (RGBA, ' +
    'straight colour), the background, and all layers in the model convention (the ground truth a ' +
    'decomposition should recover). Swap in Load Video for your own footage.',
  purity: 'pure',
  inputs: {},
  outputs: {
    blend: { type: { kind: 'Video', alpha: false } },
    foreground: { type: { kind: 'Video', alpha: true } },
    background: { type: { kind: 'Video', alpha: false } },
    layers: { type: { kind: 'LayeredVideo' } },
  },
  params: DemoClipParams,
  infer(_inputs, p) {
    const size = { frames: p.frames, width: p.width, height: p.height };
    const video = (alpha: boolean): PortType => ({
      kind: 'Video',
      ...size,
      channels: alpha ? 4 : 3,
      alpha,
      fps: p.fps,
      source: 'library',
    });
    return {
      outputs: {
        blend: video(false),
        foreground: video(true),
        background: video(false),
        layers: { kind: 'LayeredVideo', layers: ['foreground', 'alpha', 'background', 'blend'], ...size },
      },
    };
  },
  async run(_inputs, params) {
    return demoClip(params);
  },
});
