import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode, type SpecIssue } from '../../graph-engine/spec.ts';
import type { PackConfig, PackLayer, Task } from '../../models/pack/schema.ts';
import { TaskSchema } from '../../models/pack/schema.ts';
import { type BatchNetwork, type LatentShape, sampleDpmpp2m } from '../../models/sampler/dpmpp2m.ts';
import type { DynamicCfgParams } from '../../models/sampler/guidance.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';
import { memoryFacts } from '../../models/session/memory.ts';
import { runSession, type Tensor } from '../../models/session/run.ts';
import { device, type ManagedSession, useSession } from '../../models/session/sessions.ts';
import { LayerflowError } from './errors.ts';
import { latentPreviews } from './latent-preview.ts';
import { conditionRange, frameSize, type SequenceLayout, sequenceLayout } from './layout.ts';
import { TASK_LABELS } from './vae-encode.ts';
import { handleOf, type LatentValue, type LayerConditioningValue, type ModelHandle } from './values.ts';

/** What the user sets on the sampler; blank schedule values come from the pack (reference: 50, 3, 6, 5). */
export interface SamplerSettings {
  task: Task;
  seed: number;
  steps?: number;
  shift?: number;
  cfgScale?: number;
  cfgExp?: number;
}

export interface SamplerHooks {
  signal?: AbortSignal;
  /** After each step: the guided estimate of the clean sequence, given frames in place. */
  onStep?: (step: number, steps: number, denoised: Float32Array) => void | Promise<void>;
  /**
   * Standard-normal draws in place of the seeded source: the start latent first, then one draw per step
   * that adds noise (all but the last), each for the sampled frames only. Replays a recorded run.
   */
  noise?: (length: number) => Float32Array;
  /** After each step, the sampled frames only: the state in, the transformer's v per row, the guided estimate, the state out. */
  onTrace?: (step: number, trace: StepTrace) => void;
}

/** One sampler step as the reference logs it; `v` holds one row per CFG row (unconditional first). */
export interface StepTrace {
  xIn: Float32Array;
  v: Float32Array[];
  denoised: Float32Array;
  xOut: Float32Array;
}

/** The schedule a run uses: the settings, else the pack's. A CFG scale of 0 skips the unconditional row (same result). */
export function resolveSchedule(config: PackConfig, s: SamplerSettings) {
  const scale = s.cfgScale ?? config.schedule.cfgScale;
  const guidance: DynamicCfgParams | null = scale > 0 ? { scale, exp: s.cfgExp ?? config.schedule.cfgExp } : null;
  return { steps: s.steps ?? config.schedule.steps, shift: s.shift ?? config.schedule.shift, guidance };
}

function latentTaskMessage(have: string, task: Task): string {
  const want = task === 'generate' ? 'an Empty Layered Latent' : `a VAE Encode set to ${task}`;
  return `this latent is laid out for ${have}; the ${task} task needs ${want}`;
}

function checkLatent(latent: LatentValue, layout: SequenceLayout): void {
  if (latent.task !== layout.task) {
    throw new LayerflowError('shape-mismatch', latentTaskMessage(latent.task, layout.task), 'latent');
  }
  const want = [layout.latentFrames, ...layout.frameShape];
  if (latent.shape.join(',') !== want.join(',')) {
    throw new LayerflowError(
      'pack-mismatch',
      `the latent is [${latent.shape.join(', ')}] but this model's ${layout.task} task works on [${want.join(', ')}] (made with another pack?)`,
      'latent',
    );
  }
}

/** The task's prompt rows ([P·tokens, hidden] each) picked from the conditioning by layer name. */
function taskContext(c: LayerConditioningValue, prompts: PackLayer[], config: PackConfig) {
  if (c.tokens !== config.textTokensPerLayer || c.hidden !== config.textHidden) {
    throw new LayerflowError(
      'pack-mismatch',
      `the conditioning is ${c.tokens}×${c.hidden} per layer but this model takes ${config.textTokensPerLayer}×${config.textHidden} (encoded by another pack's text encoder?)`,
      'conditioning',
    );
  }
  const block = c.tokens * c.hidden;
  const pick = (rows: Float32Array) => {
    const out = new Float32Array(prompts.length * block);
    prompts.forEach((layer, i) => {
      const at = c.layers.indexOf(layer);
      if (at < 0) {
        throw new LayerflowError('missing-layer', `the conditioning has no ${layer} prompt`, 'conditioning');
      }
      out.set(rows.subarray(at * block, (at + 1) * block), i * block);
    });
    return out;
  };
  return { cond: pick(c.cond), uncond: pick(c.uncond) };
}

/** `rows` copies of a value, the r-th from `row(r)`. */
function repeat(rows: number, length: number, row: (r: number) => Float32Array): Float32Array {
  const out = new Float32Array(rows * length);
  for (let r = 0; r < rows; r++) out.set(row(r), r * length);
  return out;
}

/** Puts the given frames back between the sampled ones: [0, from) sampled, [from, to) given, the rest sampled. */
function spliceGiven(x: Float32Array, given: Float32Array, from: number, D: number): Float32Array {
  const full = new Float32Array(x.length + given.length);
  full.set(x.subarray(0, from * D));
  full.set(given, from * D);
  full.set(x.subarray(from * D), from * D + given.length);
  return full;
}

/** How the task's given frames enter sampling: none, spliced in as `cond_input`, or fixed frames. */
interface GivenFrames {
  mode: 'none' | 'splice' | 'fixed-frames';
  from: number;
  latents: Float32Array;
}

function givenFrames(layout: SequenceLayout, latent: LatentValue): GivenFrames | undefined {
  const range = conditionRange(layout);
  if (!range) return undefined;
  const { mode } = layout.condition;
  if (mode === 'fixed-frames' && range[1] !== layout.latentFrames) {
    throw new LayerflowError(
      'bad-pack',
      `fixed-frames conditions must end the sequence; ${layout.task} names [${range}]`,
    );
  }
  const D = frameSize(layout);
  return { mode, from: range[0], latents: latent.data.slice(range[0] * D, range[1] * D) };
}

/**
 * The graph a task runs: the pack's merged one (content LoRA folded in at 1, motion LoRA off: no LoRA
 * compute) when the strengths are the released ones, else the graph with LoRA branches and strength inputs.
 */
function transformerFile(model: ModelHandle, task: Task) {
  const { pack } = model;
  const merged = pack.files[`transformerMerged.${task}`];
  if (merged && model.motionScale === 0 && model.contentScale === 1) return merged;
  const file = pack.files[`transformer.${task}`] ?? pack.files.transformer;
  if (!file) throw new LayerflowError('bad-pack', `model pack ${pack.manifest.name} has no transformer for ${task}`);
  return file;
}

/**
 * The transformer as the sampler's batch network: the rows (uncond, cond) as one batch of `x`, their text
 * rows as `context`, the LoRA strengths, and the spliced given frames as `cond_input`. Checks the signal
 * before and after every evaluation, so a cancel lands within one step.
 */
function transformerNetwork(
  session: ManagedSession,
  model: ModelHandle,
  layout: SequenceLayout,
  text: { cond: Float32Array; uncond: Float32Array },
  spliced: GivenFrames | undefined,
  signal?: AbortSignal,
): BatchNetwork {
  const { pack } = model;
  const takes = new Set(session.ort.inputNames);
  const D = frameSize(layout);
  const contextDims = [layout.condition.prompts.length * pack.config.textTokensPerLayer, pack.config.textHidden];
  return async (x, timestep, _alpha, rows) => {
    signal?.throwIfAborted();
    const b = rows.length;
    const feeds: Record<string, Tensor> = {
      x: { dims: [b, x.length / D, ...layout.frameShape], data: repeat(b, x.length, () => x) },
      timesteps: { dims: [b], data: new Float32Array(b).fill(timestep) },
      context: {
        dims: [b, ...contextDims],
        data: repeat(b, text.cond.length, (r) => (rows[r] === 'cond' ? text.cond : text.uncond)),
      },
    };
    if (takes.has('motion_scale')) feeds.motion_scale = { dims: [1], data: Float32Array.of(model.motionScale) };
    if (takes.has('content_scale')) feeds.content_scale = { dims: [1], data: Float32Array.of(model.contentScale) };
    if (spliced) {
      const { latents } = spliced;
      feeds.cond_input = {
        dims: [b, latents.length / D, ...layout.frameShape],
        data: repeat(b, latents.length, () => latents),
      };
    }
    const v = (await runSession(session, feeds)).out.data as Float32Array;
    signal?.throwIfAborted();
    return rows.map((_, r) => v.slice(r * x.length, (r + 1) * x.length));
  };
}

/**
 * Samples a task's latent sequence with the pack's transformer: VP-SDE DPM-Solver++(2M) with dynamic CFG
 * (models/sampler, golden-tested), the unconditional and conditional rows as one batch. Given frames go
 * in as the pack's condition says: `splice` feeds them as `cond_input` and samples only the other frames,
 * `fixed-frames` writes them back before every step. Deterministic per seed; returns the whole sequence.
 */
export async function sampleLayers(
  model: ModelHandle,
  conditioning: LayerConditioningValue,
  latent: LatentValue,
  settings: SamplerSettings,
  hooks: SamplerHooks = {},
): Promise<LatentValue> {
  const { config } = model.pack;
  const layout = sequenceLayout(config, settings.task);
  checkLatent(latent, layout);
  const text = taskContext(conditioning, layout.condition.prompts, config);
  const given = givenFrames(layout, latent);
  const spliced = given?.mode === 'splice' ? given : undefined;
  const fixed = given?.mode === 'fixed-frames' ? given : undefined;
  // as reference log_video: spliced frames are cut from the sampled sequence and put back after
  const withGiven = (x: Float32Array) =>
    spliced ? spliceGiven(x, spliced.latents, spliced.from, frameSize(layout)) : x;
  const T = layout.latentFrames - (spliced ? spliced.latents.length / frameSize(layout) : 0);
  const rng = hooks.noise ?? gaussianNoise(settings.seed);
  const x = await useSession(
    transformerFile(model, layout.task).abs,
    (session) => {
      const network = transformerNetwork(session, model, layout, text, spliced, hooks.signal);
      let last: { x: Float32Array; v: Float32Array[] } | undefined;
      return sampleDpmpp2m({
        ...resolveSchedule(config, settings),
        x: rng(T * frameSize(layout)),
        shape: [1, T, ...layout.frameShape] as LatentShape,
        noise: rng,
        batchNetwork: hooks.onTrace
          ? async (xIn, t, a, rows) => {
              last = { x: xIn, v: await network(xIn, t, a, rows) };
              return last.v;
            }
          : network,
        ...(fixed ? { fixedFrames: { from: fixed.from, latents: fixed.latents } } : {}),
        signal: hooks.signal,
        onStep: (i, n, denoised, xOut) => {
          if (last) hooks.onTrace?.(i, { xIn: last.x, v: last.v, denoised, xOut });
          return hooks.onStep?.(i, n, withGiven(denoised));
        },
      });
      // The DiT runs once or twice per step: its session keeps the activation arena (models/session SessionOptions).
    },
    { arena: true },
  );
  return {
    task: settings.task,
    layout,
    shape: [layout.latentFrames, ...layout.frameShape],
    data: withGiven(x),
    ...(given ? { given: conditionRange(layout) } : {}),
    fps: latent.fps,
  };
}

/** Facts for the run manifest: the schedule a run used, the LoRA strengths, the device and memory after it. */
export async function samplerFacts(model: ModelHandle, settings: SamplerSettings): Promise<Record<string, unknown>> {
  const used = device();
  return {
    sampler: {
      task: settings.task,
      ...resolveSchedule(model.pack.config, settings),
      motionScale: model.motionScale,
      contentScale: model.contentScale,
    },
    device: used,
    memory: await memoryFacts(used.provider),
  };
}

function samplerIssues(inputs: Record<string, PortType | undefined>, task: Task): SpecIssue[] {
  const { model, latent } = inputs;
  const issues: SpecIssue[] = [];
  const tasks = model?.tasks as string[] | undefined;
  if (tasks && !tasks.includes(task)) {
    issues.push({
      field: 'task',
      code: 'task-unsupported',
      message: `this pack has no ${task} task (has ${tasks.join(', ')})`,
    });
  }
  if (typeof latent?.task === 'string' && latent.task !== task) {
    issues.push({ field: 'latent', code: 'latent-task', message: latentTaskMessage(latent.task, task) });
  }
  const channels = model?.latentChannels;
  if (typeof channels === 'number' && typeof latent?.channels === 'number' && latent.channels !== channels) {
    issues.push({
      field: 'latent',
      code: 'pack-mismatch',
      message: `the latent has ${latent.channels} channels; this model takes ${channels} (made with another pack?)`,
    });
  }
  return issues;
}

const optional = (schema: z.ZodNumber, label: string, widget = 'number') => schema.optional().meta({ widget, label });

export const ditSampler = defineNode({
  type: 'layerflow.dit-sampler',
  version: 1,
  category: 'LayerFlow',
  title: 'Layer DiT Sampler',
  docs:
    'Samples all layers as one sequence with the pack transformer for the chosen task: VP-SDE ' +
    'DPM-Solver++(2M) on the zero-terminal-SNR schedule, v-prediction, dynamic CFG (unconditional and ' +
    'conditional rows as one batch), exactly as the reference. Conditioned tasks take the latent of VAE ' +
    'Encode: its given frames are fed where the pack config says and kept in the output. Blank schedule ' +
    'fields use the pack (released: 50 steps, shift 3, CFG 6, exponent 5); CFG 0 runs the conditional row ' +
    'only. Deterministic per seed; cancels within one step; previews every layer every k steps from the ' +
    'predicted clean latent (no VAE decode).',
  purity: 'seeded',
  inputs: {
    model: { type: { kind: 'Model' } },
    conditioning: { type: { kind: 'LayerConditioning' } },
    latent: { type: { kind: 'Latent' }, docs: 'Empty Layered Latent (generate) or VAE Encode (conditioned tasks).' },
  },
  outputs: { latent: { type: { kind: 'Latent' }, docs: 'The sampled sequence, given frames in place.' } },
  params: z.object({
    task: TaskSchema.default('generate').meta({
      widget: 'choice',
      label: 'Task',
      choices: TaskSchema.options.map((value) => ({ value, label: TASK_LABELS[value] })),
    }),
    steps: optional(z.number().int().min(1).max(1000), 'Steps (blank: the pack’s)'),
    cfgScale: optional(z.number().min(0).max(30), 'CFG scale (blank: the pack’s)'),
    cfgExp: optional(z.number().int().min(0).max(20), 'CFG exponent (blank: the pack’s)'),
    shift: optional(z.number().min(0.1).max(100), 'Schedule shift (blank: the pack’s)'),
    seed: z
      .number()
      .int()
      .min(-1)
      .max(2 ** 32 - 1)
      .default(-1)
      .meta({ widget: 'seed', label: 'Seed' }),
    previewEvery: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(5)
      .meta({ widget: 'number', label: 'Preview every k steps (0 = off)', step: 1 }),
  }),
  infer(inputs, params) {
    const latent: PortType = { ...(inputs.latent ?? { kind: 'Latent' }), task: params.task };
    return { outputs: { latent }, issues: samplerIssues(inputs, params.task) };
  },
  async run(inputs, params, ctx) {
    const model = handleOf<ModelHandle>(inputs.model, 'model');
    const scale = model.pack.config.latentScale;
    const settings: SamplerSettings = { ...params };
    const layout = sequenceLayout(model.pack.config, params.task);
    const latent = await sampleLayers(
      model,
      inputs.conditioning as LayerConditioningValue,
      inputs.latent as LatentValue,
      settings,
      {
        signal: ctx.signal,
        ...(ctx.noise ? { noise: ctx.noise } : {}),
        onStep(i, n, denoised) {
          ctx.progress((i + 1) / n, `step ${i + 1}/${n}`);
          const k = params.previewEvery;
          if (k > 0 && ((i + 1) % k === 0 || i + 1 === n)) {
            ctx.preview(() => latentPreviews(denoised, layout, scale));
          }
        },
      },
    );
    ctx.report(await samplerFacts(model, settings));
    return { latent };
  },
});
