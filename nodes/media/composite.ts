import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import { compositor } from '../../media/composite.ts';
import type { Frames } from '../../media/frames.ts';
import { matteAsClip, sameShape, shapeIssues, videoInput, videoType } from './clip.ts';
import { HexColor, parseHexColor } from './hex-color.ts';

/** Longest stretch of compositing without giving the event loop a turn. */
const YIELD_MS = 20;

const Params = z.object({
  mode: z.enum(['straight', 'premultiplied']).default('straight').meta({
    label: 'Foreground colour is',
    docs: 'straight: colour as is; premultiplied: already multiplied by alpha',
  }),
  opacity: z.number().min(0).max(1).default(1).meta({ widget: 'slider', step: 0.01, label: 'Opacity' }),
  offsetX: z.number().int().min(-100_000).max(100_000).default(0).meta({ widget: 'number', label: 'Offset X (px)' }),
  offsetY: z.number().int().min(-100_000).max(100_000).default(0).meta({ widget: 'number', label: 'Offset Y (px)' }),
  backgroundColor: HexColor.default('#000000').meta({
    label: 'Background colour',
    docs: 'used when no background video is connected; #rrggbbaa gives an RGBA result',
  }),
});

/** The result's type: the background video's shape, or the foreground's size over a flat colour. */
function outputType(fg: PortType | undefined, bg: PortType | undefined, color: number[]): PortType {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  if (bg) {
    const channels = num(bg.channels);
    return videoType({
      frames: num(bg.frames) ?? num(fg?.frames),
      width: num(bg.width),
      height: num(bg.height),
      channels,
      alpha: typeof bg.alpha === 'boolean' ? bg.alpha : channels === undefined ? undefined : channels === 4,
    });
  }
  return videoType({
    frames: num(fg?.frames),
    width: num(fg?.width),
    height: num(fg?.height),
    channels: color.length,
    alpha: color.length === 4,
  });
}

/** A foreground placed wholly off the canvas is allowed, but almost certainly not meant. */
function warnIfOutside(fg: Frames, canvas: Frames, x: number, y: number, warn: (m: string) => void): void {
  if (x >= canvas.width || y >= canvas.height || x + fg.width <= 0 || y + fg.height <= 0) {
    warn(`the foreground at offset ${x}, ${y} lies wholly outside the ${canvas.width}×${canvas.height} canvas`);
  }
}

export const composite = defineNode({
  type: 'media.composite',
  version: 1,
  category: 'Media',
  title: 'Composite',
  docs: "Places the foreground over the background (Porter–Duff *over*), frame by frame. The foreground's alpha is the **alpha** matte when connected (its brightness, mean of R, G, B), else its own alpha channel, else opaque; times **opacity**. The foreground's top-left corner lands at (**offset X**, **offset Y**) and may hang over the edges. Without a background video the canvas is the foreground's size, filled with the background colour. The result has the background's size, frame rate and channels (RGBA only when the background has alpha).",
  purity: 'pure',
  inputs: {
    foreground: { type: { kind: 'Video' }, docs: 'RGB, or RGBA with straight or premultiplied alpha (see mode).' },
    alpha: { type: { kind: 'Video' }, optional: true, docs: "A matte of the foreground's size; replaces its alpha." },
    background: { type: { kind: 'Video' }, optional: true, docs: 'As many frames as the foreground; any size.' },
  },
  outputs: { video: { type: { kind: 'Video' } } },
  params: Params,
  infer: (inputs, params) => ({
    outputs: { video: outputType(inputs.foreground, inputs.background, parseHexColor(params.backgroundColor)) },
    issues: [
      ...shapeIssues(inputs.alpha, inputs.foreground, 'alpha', 'foreground', true),
      ...shapeIssues(inputs.background, inputs.foreground, 'background', 'foreground', false),
    ],
  }),
  async run(inputs, params, ctx) {
    const fg = videoInput(inputs.foreground, 'foreground');
    const matte = inputs.alpha === undefined ? undefined : matteAsClip(inputs.alpha, 'alpha');
    const bg = inputs.background === undefined ? undefined : videoInput(inputs.background, 'background');
    if (matte) sameShape(matte, fg, 'alpha', 'foreground', true);
    if (bg) sameShape(bg, fg, 'background', 'foreground', false);
    const color = parseHexColor(params.backgroundColor);
    warnIfOutside(fg, bg ?? fg, params.offsetX, params.offsetY, ctx.log.warn);
    const job = compositor({
      fg,
      alpha: matte,
      ...(bg ? { bg } : { color }),
      mode: params.mode,
      opacity: params.opacity,
      offset: { x: params.offsetX, y: params.offsetY },
    });
    // Frame by frame, so a long clip reports progress and can be cancelled between frames; the event
    // loop gets a turn every YIELD_MS.
    let turn = performance.now();
    for (let f = 0; f < fg.frames; f++) {
      ctx.signal.throwIfAborted();
      job.frames(f, f + 1);
      ctx.progress((f + 1) / fg.frames);
      if (performance.now() - turn > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turn = performance.now();
      }
    }
    return { video: job.out };
  },
});
