import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import type { Frames } from '../../media/frames.ts';
import type { Fit } from '../../media/resize.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import type { Task } from '../../models/pack/schema.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';
import { runSession } from '../../models/session/run.ts';
import { useSession } from '../../models/session/sessions.ts';
import { LayerflowError } from './errors.ts';
import { FitParam, videoNotes } from './fit-notes.ts';
import { conditionRange, type SequenceLayout, sequenceLayout } from './layout.ts';
import { fitClip, latentsFromZ, matteClip, mattePlane, overGrey, planarSequence, samplePosterior } from './pixels.ts';
import { packFile } from './text-encode.ts';
import { ChunkFramesParam, encodePasses } from './vae-passes.ts';
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

/** What a conditioned task's VAE pass holds in the slots of layers the user does not give (see the node docs). */
export const UNSUPPLIED_FILLS = ['copy', 'grey', 'black'] as const;
export const UnsuppliedFillSchema = z.enum(UNSUPPLIED_FILLS);
export type UnsuppliedFill = z.infer<typeof UnsuppliedFillSchema>;

/** How the latent is taken from the VAE posterior N(mean, var): its mean, or a seeded draw as the reference does. */
export const PosteriorSchema = z.enum(['mean', 'sample']);
export type Posterior = z.infer<typeof PosteriorSchema>;

export interface EncodeOptions {
  /** Pixel frames per VAE pass; 0 (default) = the whole sequence in one pass, as the reference. */
  chunkFrames?: number;
  /** Default `mean`. */
  posterior?: Posterior;
  /** Seed of the posterior draw (`sample`). */
  seed?: number;
  /** Standard-normal draws for `sample` in the VAE's [C, T, h, w] order, replacing the seeded source (replays a recorded run). */
  noise?: (length: number) => Float32Array;
  /** Default `copy`. */
  unsupplied?: UnsuppliedFill;
  /** How a clip of another size is fitted to the pack's (default `stretch`). */
  fit?: Fit;
  signal?: AbortSignal;
}

/** Runs the VAE encoder over the planar sequence in the passes the chunk size asks for; the moments [2C, T, h, w]. */
async function encodeMoments(
  pack: ModelPack,
  layout: SequenceLayout,
  planar: Float32Array,
  chunkFrames: number,
  signal?: AbortSignal,
): Promise<Float32Array> {
  return useSession(packFile(pack, 'vaeEncoder').abs, async (session) => {
    const { height: H, width: W, pixelFrames: F, latentFrames: T } = layout;
    const frame = H * W;
    const [C, h, w] = layout.frameShape;
    const hw = h * w;
    const out = new Float32Array(2 * C * T * hw);
    for (const pass of encodePasses(F, layout.temporalCompression, chunkFrames)) {
      signal?.throwIfAborted();
      const [p0, p1] = pass.pixels;
      const n = p1 - p0;
      const x = new Float32Array(3 * n * frame);
      for (let c = 0; c < 3; c++) x.set(planar.subarray((c * F + p0) * frame, (c * F + p1) * frame), c * n * frame);
      const { moments } = await runSession(session, { x: { dims: [1, 3, n, H, W], data: x } });
      const [a, b] = pass.latents;
      const t = b - a + pass.skip;
      if (moments.dims.join(',') !== [1, 2 * C, t, h, w].join(',')) {
        throw new LayerflowError(
          'shape-mismatch',
          `the VAE encoder gave [${moments.dims.join(', ')}] for ${n} frames; the pack config implies [1, ${2 * C}, ${t}, ${h}, ${w}]`,
        );
      }
      const data = moments.data as Float32Array;
      for (let c = 0; c < 2 * C; c++) {
        out.set(data.subarray((c * t + pass.skip) * hw, (c + 1) * t * hw), (c * T + a) * hw);
      }
    }
    return out;
  });
}

/** The clip in a slot the user gave nothing for: black, mid-grey, or a copy of the first given layer. */
function fillerClip(fill: UnsuppliedFill, given: Float32Array): Float32Array {
  if (fill === 'copy') return given;
  return new Float32Array(given.length).fill(fill === 'grey' ? 0.5 : 0);
}

/**
 * Encodes a task's given layers as the reference does: every layer clip (resized to the pack's size and
 * cut to its frames per layer; layers not given filled as `unsupplied` says, and later replaced by
 * sampled latents) concatenated in layer order, the first frame duplicated when the task does, one VAE
 * sequence, the posterior's mean or a draw, × latentScale.
 */
export async function encodeGivenLayers(
  pack: ModelPack,
  given: LayeredVideoValue,
  task: Task,
  options: EncodeOptions = {},
): Promise<LatentValue> {
  const { chunkFrames = 0, posterior = 'mean', seed = 0, unsupplied = 'copy', fit = 'stretch', signal } = options;
  const layout = sequenceLayout(pack.config, task);
  if (layout.condition.given.length === 0) {
    throw new LayerflowError('task-unsupported', `the ${task} task takes no given layers`, 'task');
  }
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
  const fitted = layout.layers.map((l) =>
    given.clips[l] ? fitClip(given.clips[l], k, width, height, l, fit) : undefined,
  );
  const first = fitted[layout.layers.indexOf(layout.condition.given[0])] as Float32Array;
  const filler = fillerClip(unsupplied, first);
  const clips = fitted.map((clip) => clip ?? filler);
  const moments = await encodeMoments(pack, layout, planarSequence(layout, clips), chunkFrames, signal);
  const z =
    posterior === 'sample'
      ? samplePosterior(moments, (options.noise ?? gaussianNoise(seed))(moments.length / 2))
      : moments.subarray(0, moments.length / 2);
  const range = conditionRange(layout);
  return {
    task,
    layout,
    shape: [layout.latentFrames, ...layout.frameShape],
    data: latentsFromZ(
      z,
      [layout.frameShape[0], layout.latentFrames, ...layout.frameShape.slice(1)],
      pack.config.latentScale,
    ),
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
    'matte); a LayeredVideo gives layers by name in the model convention (the foreground over grey, the ' +
    'matte as grey levels). Clips are resized to the pack size (as `fit` says) and cut to its frames per layer; all layers ' +
    'go through the VAE as one sequence (the first frame duplicated where the task does), as the reference ' +
    'encodes them.\n\n' +
    'Pixel values: 8-bit frames are read as u/255 and enter the VAE as 2v − 1 in float32, the ' +
    "reference's u8/127.5 − 1 to float32 rounding; a matte enters as 2α − 1 in all three channels. VAE " +
    'Decode maps back with (clamp(v, −1, 1) + 1) / 2 and Save Video makes bytes (see its `8-bit conversion`).' +
    '\n\n' +
    'Layers not given: the one VAE pass still needs a clip in every layer slot. Their latents are thrown ' +
    "away (the sampler generates those slots), but their frames still move the given layers' latents: the " +
    'pass carries causal history across layer borders and takes its GroupNorm statistics over all frames. ' +
    'The reference has real frames there, from its DAVIS test loader: the foreground slot holds blend·mask ' +
    'over grey, the matte slot the mask, the background slot the blend itself, the blend slot the blend. A ' +
    'user has none of these (they are what the task makes), so `Layers not given` chooses what is fed: ' +
    '`copy` (default) repeats the first given layer (decompose: the blend in the foreground, matte and ' +
    'background slots; fg-to-bg: the foreground in the background and blend slots; bg-to-fg: the background ' +
    'in the foreground, matte and blend slots), `grey` is mid-grey, `black` is black. On the golden tiny ' +
    'release (random weights) copy lands nearest the reference over the three tasks, and for decompose ' +
    "the reference's background slot is the blend, which copy feeds exactly. The condition latents still " +
    'differ from the reference (on that release by 10–65 % rms): to reproduce it exactly, connect a ' +
    'LayeredVideo holding every layer.\n\n' +
    'Posterior: the VAE gives a mean and a log-variance per latent. Default `mean`: deterministic, the same ' +
    "for every sampler seed, and the given layers come back as the VAE's best reconstruction. The " +
    'reference samples (mean + exp(0.5 · clamp(logvar, −30, 20)) · ε, as the model was trained), so its ' +
    'condition differs from the mean by that draw; `sample` does the same with its own seed. Either is ' +
    "scaled by the pack's latent scale (1.15258426 released).\n\n" +
    '`chunk frames` bounds memory on long clips: each pass re-encodes a short lead-in and drops it, but ' +
    'has its own normalisation statistics, so the result only approximates one pass (0 = one pass, as the ' +
    'reference).',
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
    unsupplied: UnsuppliedFillSchema.default('copy').meta({
      widget: 'choice',
      label: 'Layers not given',
      description: 'What fills the slots of layers the task is not given in the one VAE pass (see the node docs).',
      choices: [
        { value: 'copy', label: 'copy of the given layer (default)' },
        { value: 'grey', label: 'mid-grey' },
        { value: 'black', label: 'black' },
      ],
    }),
    posterior: PosteriorSchema.default('mean').meta({
      widget: 'choice',
      label: 'Posterior',
      description: 'The VAE posterior mean, or a seeded draw from it as the reference takes.',
      choices: [
        { value: 'mean', label: 'mean (deterministic, default)' },
        { value: 'sample', label: 'sample (as the reference)' },
      ],
    }),
    posteriorSeed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(0)
      .meta({ widget: 'number', label: 'Posterior seed (sample)', step: 1 }),
    chunkFrames: ChunkFramesParam,
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
    const { task, chunkFrames, unsupplied, posterior, posteriorSeed, fit } = params;
    return {
      latent: await encodeGivenLayers(pack, given, task, {
        chunkFrames,
        unsupplied,
        posterior,
        seed: posteriorSeed,
        fit,
        ...(ctx.noise ? { noise: ctx.noise } : {}),
        signal: ctx.signal,
      }),
    };
  },
});
