import type { PackConfig, PackLayer, Task, TaskCondition } from '../../models/pack/schema.ts';
import { LayerflowError } from './errors.ts';

/**
 * Where each layer sits in the one long sequence a task's transformer sees, as the pack's condition for
 * that task says (reference diffusion_video.py `encode_first_stage`/`log_video`): the layer clips are
 * concatenated in pixel time, the first pixel frame duplicated in front only when the task's
 * `duplicateFirstFrame` says so (RGBA fg-to-bg and bg-to-fg), and the whole sequence is one VAE pass.
 */
export interface SequenceLayout {
  task: Task;
  layers: PackLayer[];
  /** Pixel frames per layer. */
  framesPerLayer: number;
  /** Latent frames per layer. */
  latentPerLayer: number;
  /** 1 when a duplicate of the first frame leads the sequence, else 0 (pixel and latent frames alike). */
  lead: 0 | 1;
  /** Latent frames of the whole sequence, the duplicate included. */
  latentFrames: number;
  /** Pixel frames of the whole sequence, the duplicate included. */
  pixelFrames: number;
  /** One latent frame: [channels, height, width]. */
  frameShape: [number, number, number];
  /** Pixel frame size. */
  width: number;
  height: number;
  temporalCompression: number;
  condition: TaskCondition;
}

/** The layout of `task` on a pack (its trained frame count and size). */
export function sequenceLayout(config: PackConfig, task: Task): SequenceLayout {
  const condition = config.condition[task];
  if (!condition) {
    throw new LayerflowError('task-unsupported', `this model pack has no ${task} task`, 'task');
  }
  const tc = config.temporalCompression;
  const sc = config.spatialCompression;
  const lead = condition.duplicateFirstFrame ? 1 : 0;
  const latentPerLayer = config.framesPerLayer / tc;
  const L = config.layerOrder.length;
  return {
    task,
    layers: [...config.layerOrder],
    framesPerLayer: config.framesPerLayer,
    latentPerLayer,
    lead,
    latentFrames: lead + L * latentPerLayer,
    pixelFrames: lead + L * config.framesPerLayer,
    frameShape: [config.latentChannels, config.size.height / sc, config.size.width / sc],
    width: config.size.width,
    height: config.size.height,
    temporalCompression: tc,
    condition,
  };
}

function layerIndex(layout: SequenceLayout, layer: string): number {
  const i = layout.layers.indexOf(layer as PackLayer);
  if (i < 0) {
    throw new LayerflowError('no-such-layer', `this model has no ${layer} layer (layers: ${layout.layers.join(', ')})`);
  }
  return i;
}

/** Latent frame range [from, to) of a layer. */
export function latentRange(layout: SequenceLayout, layer: string): [number, number] {
  const i = layerIndex(layout, layer);
  return [layout.lead + i * layout.latentPerLayer, layout.lead + (i + 1) * layout.latentPerLayer];
}

/** Pixel frame range [from, to) of a layer in the (decoded or encoded) sequence. */
export function pixelRange(layout: SequenceLayout, layer: string): [number, number] {
  const i = layerIndex(layout, layer);
  return [layout.lead + i * layout.framesPerLayer, layout.lead + (i + 1) * layout.framesPerLayer];
}

/** Latent frames [from, to) the task's given layers occupy, or undefined when nothing is given. */
export function conditionRange(layout: SequenceLayout): [number, number] | undefined {
  const frames = layout.condition.frames;
  return frames && layout.condition.mode !== 'none' ? [frames[0], frames[1]] : undefined;
}

/** Values in one latent frame. */
export function frameSize(layout: SequenceLayout): number {
  return layout.frameShape[0] * layout.frameShape[1] * layout.frameShape[2];
}
