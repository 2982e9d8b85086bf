import { z } from 'zod';
import { DitError } from './errors.ts';

const positiveInt = z.number().int().positive();

/** Latent frame range [from, to) that `cond_input` occupies in the DiT's spliced frame sequence. */
export const FrameRangeSchema = z
  .tuple([z.number().int().min(0), z.number().int().min(0)])
  .refine(([from, to]) => to > from, { message: 'frame range [from, to) must have to > from' });
export type FrameRange = z.infer<typeof FrameRangeSchema>;

export const LoraTargetSchema = z.enum(['attention.query_key_value', 'attention.dense']);

/**
 * The LayerFlow DiT's hyperparameters, under the reference's names (dit_video_concat.py
 * DiffusionTransformer + its mixins' configs, as the golden files' `config` writes them).
 */
export const DitConfigSchema = z
  .object({
    num_frames: positiveInt,
    time_compressed_rate: positiveInt,
    /** Latent frames of one DiT call; defaults to (num_frames − 1) / time_compressed_rate + 1 as the reference. */
    compressed_frames: positiveInt.optional(),
    latent_width: positiveInt,
    latent_height: positiveInt,
    patch_size: positiveInt,
    in_channels: positiveInt,
    out_channels: positiveInt,
    hidden_size: positiveInt,
    num_layers: positiveInt,
    num_attention_heads: positiveInt,
    elementwise_affine: z.boolean(),
    time_embed_dim: positiveInt,
    text_hidden_size: positiveInt,
    /** Text tokens of all layers together (226 per layer). */
    text_length: positiveInt,
    text_tokens_per_layer: positiveInt.default(226),
    height_interpolation: z.number().positive().default(1),
    width_interpolation: z.number().positive().default(1),
    time_interpolation: z.number().positive().default(1),
    qk_ln: z.boolean().default(true),
    lora: z.object({
      motion_r: positiveInt,
      spatial_r: positiveInt,
      lora_alpha: z.number().positive().default(1),
      targets: z.array(LoraTargetSchema),
    }),
    activation: z.literal('gelu-tanh').default('gelu-tanh'),
    layernorm_eps: z.number().positive().default(1e-6),
    /**
     * Where each conditional task (reference task_idx 1-3) splices `cond_input` into the frame sequence
     * and cuts it from the output. Absent entries fall back to the reference's indices for 17 (RGBA)
     * or 13 (RGB) latent frames.
     */
    cond_splice: z.partialRecord(z.enum(['1', '2', '3']), FrameRangeSchema).optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.hidden_size % c.num_attention_heads) issue('num_attention_heads', 'must divide hidden_size');
    // 3D sin-cos: a quarter temporal, three quarters spatial split in two, each half sin half cos.
    if (c.hidden_size % 16) issue('hidden_size', 'must be a multiple of 16 (3D sin-cos position embedding)');
    if (c.latent_height % c.patch_size) issue('latent_height', 'must be a multiple of patch_size');
    if (c.latent_width % c.patch_size) issue('latent_width', 'must be a multiple of patch_size');
    if (c.text_length % c.text_tokens_per_layer) issue('text_length', 'must be a multiple of text_tokens_per_layer');
  });
export type DitConfig = z.infer<typeof DitConfigSchema>;

/** Sizes every part of the graph derives from the config. */
export interface DitDims {
  /** Latent frames of the whole (spliced) sequence. */
  frames: number;
  gridH: number;
  gridW: number;
  /** Video tokens: frames × gridH × gridW. */
  videoTokens: number;
  text: number;
  hidden: number;
  heads: number;
  headDim: number;
}

export function ditDims(c: DitConfig): DitDims {
  const frames = c.compressed_frames ?? Math.floor((c.num_frames - 1) / c.time_compressed_rate) + 1;
  const gridH = c.latent_height / c.patch_size;
  const gridW = c.latent_width / c.patch_size;
  return {
    frames,
    gridH,
    gridW,
    videoTokens: frames * gridH * gridW,
    text: c.text_length,
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    headDim: c.hidden_size / c.num_attention_heads,
  };
}

/**
 * The reference's splice positions by sequence length: dit_video_concat.py (RGBA, 17 frames:
 * cat[cond, x] / cat[x[:9], cond, x[-4:]] / cat[x, cond]) and dit_video_concat_rgb.py (RGB, 13 frames).
 */
const REFERENCE_COND_SPLICE: Record<number, Record<1 | 2 | 3, FrameRange>> = {
  17: { 1: [0, 9], 2: [9, 13], 3: [13, 17] },
  13: { 1: [0, 4], 2: [4, 8], 3: [9, 13] },
};

/** The frame range task 1-3 splices `cond_input` into, from the config or the reference's defaults. */
export function condFramesFor(c: DitConfig, task: 1 | 2 | 3): FrameRange {
  const { frames } = ditDims(c);
  const range = c.cond_splice?.[String(task) as '1' | '2' | '3'] ?? REFERENCE_COND_SPLICE[frames]?.[task];
  if (!range) {
    throw new DitError('cond-splice', `cond_splice.${task}`, `no cond_splice for task ${task} at ${frames} frames`);
  }
  if (range[1] > frames) {
    throw new DitError('cond-splice', `cond_splice.${task}`, `range [${range}] exceeds the ${frames} latent frames`);
  }
  return range;
}
