import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import { LayerflowError } from './errors.ts';
import { sequenceLayout } from './layout.ts';
import { handleOf, type LatentValue, type ModelHandle } from './values.ts';

/** What a pack allows: its VAE's compression, the DiT patch, and the size its transformer was built for. */
interface PackShape {
  temporalCompression?: number;
  spatialCompression?: number;
  patchSize?: number;
  frames?: number;
  width?: number;
  height?: number;
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

function shapeOf(model: PortType | undefined): PackShape {
  return {
    temporalCompression: num(model?.temporalCompression),
    spatialCompression: num(model?.spatialCompression),
    patchSize: num(model?.patchSize),
    frames: num(model?.frames),
    width: num(model?.width),
    height: num(model?.height),
  };
}

/**
 * Why a requested clip size does not fit the pack: frames per layer must be a multiple of the VAE's
 * temporal compression, width and height multiples of spatial compression × patch size, and (all packs
 * so far carry fixed position tables and, for the demo, a fixed library) equal to the trained size.
 */
export function latentSizeIssues(pack: PackShape, want: { frames?: number; width?: number; height?: number }) {
  const issues: SpecIssue[] = [];
  const { temporalCompression: tc, spatialCompression: sc, patchSize: p } = pack;
  if (want.frames !== undefined && tc && want.frames % tc !== 0) {
    issues.push({
      field: 'frames',
      code: 'frames-not-multiple',
      message: `frames per layer must be a multiple of the VAE's temporal compression (${tc}); ${want.frames} is not`,
    });
  }
  for (const axis of ['width', 'height'] as const) {
    const v = want[axis];
    if (v !== undefined && sc && p && v % (sc * p) !== 0) {
      issues.push({
        field: axis,
        code: 'size-not-multiple',
        message: `${axis} must be a multiple of ${sc * p} (VAE compression ${sc} × patch ${p}); ${v} is not`,
      });
    }
  }
  if (issues.length > 0) return issues;
  for (const axis of ['frames', 'width', 'height'] as const) {
    const v = want[axis];
    if (v !== undefined && pack[axis] !== undefined && v !== pack[axis]) {
      issues.push({
        field: axis,
        code: 'size-unsupported',
        message: `this pack's transformer is built for ${pack.frames} frames per layer at ${pack.width}×${pack.height}; ${axis} ${v} would need a pack exported at that size`,
      });
    }
  }
  return issues;
}

const optionalInt = (label: string) =>
  z.number().int().min(1).max(4096).optional().meta({ widget: 'number', label, step: 1 });

export const emptyLatent = defineNode({
  type: 'layerflow.empty-latent',
  version: 1,
  category: 'LayerFlow',
  title: 'Empty Layered Latent',
  docs:
    "The latent sequence for text-to-layers: every layer's latent frames, laid out as the pack's generate " +
    'task sees them (layer sub-clips concatenated along time), all zeros; the sampler fills it with seeded ' +
    'noise. Frames per layer and size default to the pack (blank); other values are checked against the ' +
    "VAE's compression, the patch size and the size the pack's transformer was built for.",
  purity: 'pure',
  inputs: { model: { type: { kind: 'Model' }, docs: 'The pack whose layout and size the latent takes.' } },
  outputs: { latent: { type: { kind: 'Latent', task: 'generate' } } },
  params: z.object({
    frames: optionalInt('Frames per layer (blank: the pack’s)'),
    width: optionalInt('Width (blank: the pack’s)'),
    height: optionalInt('Height (blank: the pack’s)'),
  }),
  infer(inputs, params) {
    const model = inputs.model;
    const shape = shapeOf(model);
    const issues = latentSizeIssues(shape, params);
    const frames = params.frames ?? shape.frames;
    const latent: PortType = { kind: 'Latent', task: 'generate' };
    const layers = model?.layers as string[] | undefined;
    if (layers) latent.layers = layers;
    if (layers && frames !== undefined && shape.temporalCompression) {
      latent.frames = (layers.length * frames) / shape.temporalCompression;
    }
    const sc = shape.spatialCompression;
    if (sc && (params.width ?? shape.width)) latent.width = (params.width ?? (shape.width as number)) / sc;
    if (sc && (params.height ?? shape.height)) latent.height = (params.height ?? (shape.height as number)) / sc;
    if (model?.latentChannels !== undefined) latent.channels = model.latentChannels;
    return { outputs: { latent }, issues };
  },
  async run(inputs, params) {
    const { pack } = handleOf<ModelHandle>(inputs.model, 'model');
    const c = pack.config;
    const issues = latentSizeIssues(
      {
        temporalCompression: c.temporalCompression,
        spatialCompression: c.spatialCompression,
        patchSize: c.patchSize,
        frames: c.framesPerLayer,
        width: c.size.width,
        height: c.size.height,
      },
      params,
    );
    if (issues.length > 0) throw new LayerflowError('shape-mismatch', issues[0].message, issues[0].field);
    return { latent: emptyLatentOf(pack.config) };
  },
});

/** A zero latent in the generate task's layout of a pack. */
export function emptyLatentOf(config: Parameters<typeof sequenceLayout>[0]): LatentValue {
  const layout = sequenceLayout(config, 'generate');
  const shape: LatentValue['shape'] = [layout.latentFrames, ...layout.frameShape];
  return {
    task: 'generate',
    layout,
    shape,
    data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
    fps: config.fps,
  };
}
