import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import type { Frames } from '../../media/frames.ts';
import type { Fit } from '../../media/resize.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import type { Task } from '../../models/pack/schema.ts';
import { runSession } from '../../models/session/run.ts';
import { getSession } from '../../models/session/sessions.ts';
import { LayerflowError } from './errors.ts';
import { FitParam, videoNotes } from './fit-notes.ts';
import { conditionRange, type SequenceLayout, sequenceLayout } from './layout.ts';
import { fitClip, latentsFromMoments, matteClip, mattePlane, overGrey, planarSequence } from './pixels.ts';
import { packFile } from './text-encode.ts';
import { encodePasses } from './vae-passes.ts';
import { handleOf, type LatentValue, type LayeredVideoValue, type PackHandle } from './values.ts';

/** The tasks that take given layers. */
export const CONDITIONED_TASKS = ['decompose', 'fg-to-bg', 'bg-to-fg'] as const;
export const ConditionedTaskSchema = z.enum(CONDITIONED_TASKS);

export const TASK_LABELS: Record<Task, string> = {
  generate: 'generate (text → all layers)',
  decompose: 'decompose (blended video → layers)',
  'fg-to-bg': 'fg-to-bg (foreground given → background)',
  'bg-to-fg': 'bg-to-fg (background given → foreground)',
};

/**
 * The given layers a single Video stands for under a task, in the model's convention: the blend to
 * decompose, the background, or the foreground (an RGBA video also gives the alpha matte).
 */
export function layersFromVideo(video: Frames, task: Task): LayeredVideoValue {
  const rgb = (f: Frames) => ({ ...f, channels: 3 as const, data: fitClip(f, f.frames, f.width, f.height, 'video') });
  if (task === 'decompose') return { layers: ['blend'], clips: { blend: rgb(video) } };
  if (task === 'bg-to-fg') return { layers: ['background'], clips: { background: rgb(video) } };
  if (task === 'fg-to-bg') {
    if (video.channels !== 4) return { layers: ['foreground'], clips: { foreground: rgb(video) } };
    const colour = rgb(video);
    const alpha = mattePlane(video);
    return {
      layers: ['foreground', 'alpha'],
      clips: { foreground: { ...colour, data: overGrey(colour.data, alpha) }, alpha: matteClip(alpha, colour) },
    };
  }
  throw new LayerflowError('task-unsupported', `the ${task} task takes no given video`, 'task');
}

/** Runs the VAE encoder over the planar sequence in the passes the chunk size asks for. */
async function encodeSequence(
  pack: ModelPack,
  layout: SequenceLayout,
  planar: Float32Array,
  chunkFrames: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const session = await getSession(packFile(pack, 'vaeEncoder').abs);
  const { height: H, width: W, pixelFrames: F } = layout;
  const frame = H * W;
  const D = layout.frameShape[0] * layout.frameShape[1] * layout.frameShape[2];
  const out = new Float32Array(layout.latentFrames * D);
  for (const pass of encodePasses(F, layout.temporalCompression, chunkFrames)) {
    signal?.throwIfAborted();
    const [p0, p1] = pass.pixels;
    const n = p1 - p0;
    const x = new Float32Array(3 * n * frame);
    for (let c = 0; c < 3; c++) x.set(planar.subarray((c * F + p0) * frame, (c * F + p1) * frame), c * n * frame);
    const { moments } = await runSession(session, { x: { dims: [1, 3, n, H, W], data: x } });
    const latents = latentsFromMoments(moments.data as Float32Array, moments.dims, pack.config.latentScale);
    const [a, b] = pass.latents;
    if (latents.length !== (b - a + pass.skip) * D) {
      throw new LayerflowError(
        'shape-mismatch',
        `the VAE encoder gave [${moments.dims.join(', ')}] for ${n} frames; the pack config implies ${b - a + pass.skip} latent frames of ${layout.frameShape.join('×')}`,
      );
    }
    out.set(latents.subarray(pass.skip * D), a * D);
  }
  return out;
}

/**
 * Encodes a task's given layers as the reference does: every layer clip (resized to the pack's size and
 * cut to its frames per layer; layers not given are black and later replaced by noise) concatenated in
 * layer order, the first frame duplicated when the task does, one VAE sequence, × latentScale.
 */
export async function encodeGivenLayers(
  pack: ModelPack,
  given: LayeredVideoValue,
  task: Task,
  chunkFrames = 0,
  signal?: AbortSignal,
  fit: Fit = 'stretch',
): Promise<LatentValue> {
  const layout = sequenceLayout(pack.config, task);
  for (const layer of layout.condition.given) {
    if (!given.clips[layer]) {
      const hint =
        layer === 'alpha' ? ': give an RGBA foreground video, or merge foreground and alpha with Merge Layers' : '';
      throw new LayerflowError(
        'missing-layer',
        `the ${task} task needs the ${layer} layer (given: ${given.layers.join(', ') || 'none'})${hint}`,
        'layers',
      );
    }
  }
  const { framesPerLayer: k, width, height } = layout;
  const black = new Float32Array(k * height * width * 3);
  const clips = layout.layers.map((l) => {
    const clip = given.clips[l];
    return clip ? fitClip(clip, k, width, height, l, fit) : black;
  });
  const data = await encodeSequence(pack, layout, planarSequence(layout, clips), chunkFrames, signal);
  const range = conditionRange(layout);
  return {
    task,
    layout,
    shape: [layout.latentFrames, ...layout.frameShape],
    data,
    ...(range ? { given: range } : {}),
    fps: given.clips[layout.condition.given[0]]?.fps ?? pack.config.fps,
  };
}

function inputIssues(inputs: Record<string, PortType | undefined>, task: Task): SpecIssue[] {
  const { layers, video, vae } = inputs;
  if (!layers && !video) {
    return [
      {
        field: 'video',
        code: 'missing-input',
        message: 'connect the given layer as a Video, or the given layers as a LayeredVideo',
      },
    ];
  }
  if (layers && video) {
    return [{ field: 'video', code: 'two-inputs', message: 'connect either video or layers, not both' }];
  }
  const issues: SpecIssue[] = [];
  const need = typeof vae?.frames === 'number' ? vae.frames : undefined;
  const have = (video ?? layers)?.frames;
  if (need !== undefined && typeof have === 'number' && have < need) {
    issues.push({
      field: video ? 'video' : 'layers',
      code: 'too-few-frames',
      message: `the input has ${have} frames; this pack needs ${need} per layer`,
    });
  }
  if (video && task === 'fg-to-bg' && vae?.variant === 'rgba' && video.alpha === false) {
    issues.push({
      field: 'video',
      code: 'needs-alpha',
      message: 'an RGBA pack needs the foreground with its alpha: an RGBA video, or Merge Layers with a matte',
    });
  }
  return issues;
}

export const vaeEncode = defineNode({
  type: 'layerflow.vae-encode',
  version: 1,
  category: 'LayerFlow',
  title: 'VAE Encode (given layers)',
  docs:
    "Encodes the layers a conditioned task is given into the task's latent sequence. A Video is the blend " +
    '(decompose), the background (bg-to-fg) or the foreground (fg-to-bg; an RGBA video also gives the ' +
    'matte); a LayeredVideo gives layers by name. Clips are resized to the pack size and cut to its frames ' +
    'per layer; all layers go through the VAE as one sequence (the first frame duplicated where the task ' +
    'does), as the reference encodes them: encoding layers apart would change the latents at clip borders. ' +
    '`chunk frames` bounds memory on long clips: each pass re-encodes a short lead-in and drops it, but ' +
    'has its own normalisation statistics, so the result approximates one pass (0 = one pass, as the reference).',
  purity: 'pure',
  inputs: {
    vae: { type: { kind: 'VAE' } },
    video: { type: { kind: 'Video' }, optional: true, docs: 'The given layer (see the task).' },
    layers: { type: { kind: 'LayeredVideo' }, optional: true, docs: 'Given layers by name, model convention.' },
  },
  outputs: { latent: { type: { kind: 'Latent' }, docs: "The task's sequence with the given frames encoded." } },
  params: z.object({
    task: ConditionedTaskSchema.default('decompose').meta({
      widget: 'choice',
      label: 'Task',
      choices: CONDITIONED_TASKS.map((value) => ({ value, label: TASK_LABELS[value] })),
    }),
    chunkFrames: z
      .number()
      .int()
      .min(0)
      .max(100000)
      .default(0)
      .meta({ widget: 'number', label: 'Chunk frames (0 = one pass)', step: 1 }),
    fit: FitParam,
  }),
  infer(inputs, params) {
    const vae = inputs.vae;
    const latent: PortType = { kind: 'Latent', task: params.task };
    if (vae?.layers) latent.layers = vae.layers;
    if (typeof vae?.spatialCompression === 'number') {
      if (typeof vae.width === 'number') latent.width = vae.width / vae.spatialCompression;
      if (typeof vae.height === 'number') latent.height = vae.height / vae.spatialCompression;
    }
    if (vae?.latentChannels !== undefined) latent.channels = vae.latentChannels;
    const notes = videoNotes(inputs.video ?? inputs.layers, vae, params.fit);
    return { outputs: { latent }, issues: inputIssues(inputs, params.task), notes };
  },
  async run(inputs, params, ctx) {
    const { pack } = handleOf<PackHandle>(inputs.vae, 'vae');
    const given = inputs.video
      ? layersFromVideo(inputs.video as Frames, params.task)
      : (inputs.layers as LayeredVideoValue | undefined);
    if (!given) throw new LayerflowError('missing-input', 'connect a video or layers input', 'video');
    const { task, chunkFrames, fit } = params;
    return { latent: await encodeGivenLayers(pack, given, task, chunkFrames, ctx.signal, fit) };
  },
});
