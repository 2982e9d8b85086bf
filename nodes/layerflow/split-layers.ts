import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import type { Frames } from '../../media/frames.ts';
import { LayerflowError } from './errors.ts';
import { estimateMatte, matteClip, mattePlane, straightFromGrey } from './pixels.ts';
import type { LayeredVideoValue } from './values.ts';

/** The user-facing videos of a layered result. */
export interface SplitLayers {
  foreground: Frames;
  alpha: Frames;
  background: Frames;
  blend: Frames;
}

function clipOf(layers: LayeredVideoValue, name: string): Frames {
  const clip = layers.clips[name];
  if (!clip) {
    throw new LayerflowError(
      'missing-layer',
      `there is no ${name} layer (layers: ${layers.layers.join(', ')})`,
      'layers',
    );
  }
  return clip;
}

/**
 * Layers in the model's convention → straight-colour foreground, matte, background and blend videos. The
 * matte is the alpha layer (RGBA packs) or, for RGB packs that have none, estimated from
 * blend = fg + (1 − α)(bg − grey); the foreground's colour is divided out of the grey it sits on.
 */
export function splitLayers(layers: LayeredVideoValue): SplitLayers {
  const fg = clipOf(layers, 'foreground');
  const background = clipOf(layers, 'background');
  const blend = clipOf(layers, 'blend');
  const alphaPlane = layers.clips.alpha
    ? mattePlane(layers.clips.alpha)
    : estimateMatte(fg.data, background.data, blend.data);
  return {
    foreground: { ...fg, data: straightFromGrey(fg.data, alphaPlane) },
    alpha: matteClip(alphaPlane, fg),
    background,
    blend,
  };
}

export const splitLayersNode = defineNode({
  type: 'layerflow.split-layers',
  version: 1,
  category: 'LayerFlow',
  title: 'Split Layers',
  docs:
    'Turns layered output into plain videos: the foreground in straight colour (the model keeps it over ' +
    'flat grey; the grey is divided out by the matte), the alpha matte (a grey video: white = opaque), the ' +
    'background and the blended scene. RGB packs have no alpha layer; their matte is estimated from ' +
    'blend = fg + (1 − α)(bg − grey). Feed foreground + alpha to Save Video for a transparent webm.',
  purity: 'pure',
  inputs: { layers: { type: { kind: 'LayeredVideo' } } },
  outputs: {
    foreground: { type: { kind: 'Video', alpha: false }, docs: 'Straight colour; pair it with alpha.' },
    alpha: { type: { kind: 'Video', alpha: false }, docs: 'The matte, as grey levels.' },
    background: { type: { kind: 'Video', alpha: false } },
    blend: { type: { kind: 'Video', alpha: false } },
  },
  params: z.object({}),
  infer(inputs) {
    const l = inputs.layers;
    const video: PortType = { kind: 'Video', channels: 3, alpha: false };
    for (const f of ['frames', 'width', 'height'] as const) if (typeof l?.[f] === 'number') video[f] = l[f];
    return { outputs: { foreground: video, alpha: video, background: video, blend: video } };
  },
  async run(inputs) {
    return { ...splitLayers(inputs.layers as LayeredVideoValue) };
  },
});
