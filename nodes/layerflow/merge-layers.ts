import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import type { Frames } from '../../media/frames.ts';
import { LayerflowError } from './errors.ts';
import { fitClip, matteClip, mattePlane, overGrey } from './pixels.ts';
import type { LayeredVideoValue } from './values.ts';

export const MergeParams = z.object({
  foregroundIs: z
    .enum(['straight', 'over-grey'])
    .default('straight')
    .meta({
      widget: 'choice',
      label: 'Foreground colour',
      choices: [
        { value: 'straight', label: 'straight colour (with a matte)' },
        { value: 'over-grey', label: 'already over flat grey (model convention)' },
      ],
    }),
});
export type MergeParams = z.infer<typeof MergeParams>;

export interface MergeInputs {
  foreground?: Frames;
  alpha?: Frames;
  background?: Frames;
  blend?: Frames;
}

const rgb = (clip: Frames, name: string): Frames => ({
  ...clip,
  channels: 3,
  data: fitClip(clip, clip.frames, clip.width, clip.height, name),
});

function sameShape(clips: [string, Frames][]): void {
  const [[firstName, first]] = clips;
  for (const [name, c] of clips) {
    if (c.frames !== first.frames || c.width !== first.width || c.height !== first.height) {
      throw new LayerflowError(
        'shape-mismatch',
        `${name} is ${c.frames}f ${c.width}×${c.height} but ${firstName} is ${first.frames}f ${first.width}×${first.height}`,
        name,
      );
    }
  }
}

/**
 * Videos → layers in the model's convention: a straight-colour foreground goes over flat grey by its matte
 * (the alpha input, else its own alpha channel), the matte becomes a 3-channel clip, and when no blend is
 * given but foreground, matte and background are, the blend is their composite.
 */
export function mergeLayers(inputs: MergeInputs, params: MergeParams): LayeredVideoValue {
  const given = Object.entries(inputs).filter((e): e is [string, Frames] => e[1] !== undefined);
  if (given.length === 0) throw new LayerflowError('missing-input', 'connect at least one video', 'foreground');
  sameShape(given);
  const clips: Record<string, Frames> = {};
  const fg = inputs.foreground;
  const matte = inputs.alpha ? mattePlane(inputs.alpha) : fg?.channels === 4 ? mattePlane(fg) : undefined;
  if (fg) {
    const colour = rgb(fg, 'foreground');
    const overGreyFg = matte && params.foregroundIs === 'straight' ? overGrey(colour.data, matte) : colour.data;
    clips.foreground = { ...colour, data: overGreyFg };
  }
  if (matte) clips.alpha = matteClip(matte, given[0][1]);
  if (inputs.background) clips.background = rgb(inputs.background, 'background');
  if (inputs.blend) clips.blend = rgb(inputs.blend, 'blend');
  else if (clips.foreground && matte && clips.background) {
    const f = clips.foreground.data;
    const b = clips.background.data;
    clips.blend = { ...clips.background, data: f.map((v, i) => v + (1 - matte[Math.floor(i / 3)]) * (b[i] - 0.5)) };
  }
  const order = ['foreground', 'alpha', 'background', 'blend'].filter((l) => clips[l]);
  return { layers: order, clips };
}

function mergedType(inputs: Record<string, PortType | undefined>): PortType {
  const connected = Object.values(inputs).filter((t): t is PortType => t !== undefined);
  const hasMatte = !!inputs.alpha || inputs.foreground?.alpha === true;
  const layers = [
    ...(inputs.foreground ? ['foreground'] : []),
    ...(hasMatte ? ['alpha'] : []),
    ...(inputs.background ? ['background'] : []),
    ...(inputs.blend || (inputs.foreground && hasMatte && inputs.background) ? ['blend'] : []),
  ];
  const out: PortType = { kind: 'LayeredVideo', layers };
  for (const f of ['frames', 'width', 'height'] as const) {
    const v = connected.find((t) => typeof t[f] === 'number')?.[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

function mergeIssues(inputs: Record<string, PortType | undefined>): SpecIssue[] {
  const connected = Object.entries(inputs).filter((e): e is [string, PortType] => e[1] !== undefined);
  if (connected.length === 0) {
    return [{ field: 'foreground', code: 'missing-input', message: 'connect at least one video' }];
  }
  const issues: SpecIssue[] = [];
  const [firstName, first] = connected[0];
  for (const [name, t] of connected.slice(1)) {
    for (const f of ['frames', 'width', 'height'] as const) {
      if (typeof t[f] === 'number' && typeof first[f] === 'number' && t[f] !== first[f]) {
        issues.push({
          field: name,
          code: 'shape-mismatch',
          message: `${name} has ${f} ${t[f]} but ${firstName} has ${first[f]}`,
        });
      }
    }
  }
  return issues;
}

export const mergeLayersNode = defineNode({
  type: 'layerflow.merge-layers',
  version: 1,
  category: 'LayerFlow',
  title: 'Merge Layers',
  docs:
    'Puts videos together as layers in the model convention, e.g. to give fg-to-bg a foreground and its ' +
    'matte: a straight-colour foreground is laid over flat grey by the matte (the alpha input, else its ' +
    'own alpha channel), the matte becomes a grey clip, and the blend is composited from foreground, ' +
    'matte and background when not given. Every connected video must have the same frames and size.',
  purity: 'pure',
  inputs: {
    foreground: { type: { kind: 'Video' }, optional: true, docs: 'Straight colour (RGBA: its alpha is the matte).' },
    alpha: { type: { kind: 'Video' }, optional: true, docs: 'The matte (grey levels).' },
    background: { type: { kind: 'Video' }, optional: true },
    blend: { type: { kind: 'Video' }, optional: true },
  },
  outputs: { layers: { type: { kind: 'LayeredVideo' } } },
  params: MergeParams,
  infer: (inputs) => ({ outputs: { layers: mergedType(inputs) }, issues: mergeIssues(inputs) }),
  async run(inputs, params) {
    return { layers: mergeLayers(inputs as MergeInputs, params) };
  },
});
