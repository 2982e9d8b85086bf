import { z } from 'zod';
import { DitError } from './errors.ts';

const positiveInt = z.number().int().positive();
const eps = z.number().positive();

/** Latent frame range [from, to) that `cond_input` occupies in the DiT's spliced frame sequence. */
export const FrameRangeSchema = z
  .tuple([z.number().int().min(0), z.number().int().min(0)])
  .refine(([from, to]) => to > from, { message: 'frame range [from, to) must have to > from' });
export type FrameRange = z.infer<typeof FrameRangeSchema>;

export const LoraTargetSchema = z.enum(['attention.query_key_value', 'attention.dense']);

/** The two reference DiT modules: they differ only in where the conditional tasks splice their latents. */
export const ReferenceModuleSchema = z.enum(['dit_video_concat', 'dit_video_concat_rgb']);
export type ReferenceModule = z.infer<typeof ReferenceModuleSchema>;

/**
 * The LayerFlow DiT's hyperparameters, under the reference's names (dit_video_concat.py
 * DiffusionTransformer + its mixins' configs, as the golden files' `config` writes them). Defaults are
 * the released architecture's.
 */
export const DitConfigSchema = z
  .object({
    num_frames: positiveInt,
    time_compressed_rate: positiveInt,
    /** Latent frames of the position table; defaults to (num_frames − 1) / time_compressed_rate + 1 as the reference. */
    pos_frames: positiveInt.optional(),
    /** Latent frames of one DiT call (generated + condition); defaults to pos_frames (RGB uses 12 of 13). */
    compressed_frames: positiveInt.optional(),
    latent_width: positiveInt,
    latent_height: positiveInt,
    patch_size: positiveInt,
    in_channels: positiveInt,
    out_channels: positiveInt,
    hidden_size: positiveInt,
    num_layers: positiveInt,
    num_attention_heads: positiveInt,
    elementwise_affine: z.boolean().default(true),
    time_embed_dim: positiveInt,
    text_hidden_size: positiveInt,
    /** Text tokens of all layers together (226 per layer). */
    text_length: positiveInt,
    text_tokens_per_layer: positiveInt.default(226),
    height_interpolation: z.number().positive().default(1),
    width_interpolation: z.number().positive().default(1),
    time_interpolation: z.number().positive().default(1),
    qk_ln: z.boolean().default(true),
    /** The layer embedder (Basic3DPositionEmbeddingMixin.txt_embedder): 3 of the 8 released DiTs have one. */
    learnable_txt_embed: z.boolean().default(true),
    /** Trained position table (informational: the stored table is used either way). */
    learnable_pos_embed: z.boolean().default(false),
    /** SAT's use_final_layernorm: a LayerNorm over the whole sequence after the last block. */
    use_final_layernorm: z.boolean().default(true),
    reference_module: ReferenceModuleSchema.default('dit_video_concat'),
    lora: z.object({
      motion_r: positiveInt,
      spatial_r: positiveInt,
      lora_alpha: z.number().positive().default(1),
      targets: z.array(LoraTargetSchema),
    }),
    activation: z.literal('gelu-tanh').default('gelu-tanh'),
    /** Block input / post-attention LayerNorms (SAT layernorm_epsilon default). */
    layernorm_eps: eps.default(1e-5),
    /** transformer.final_layernorm. */
    final_layernorm_eps: eps.default(1e-5),
    /** Per-head q/k LayerNorms (AdaLNMixin). */
    qk_layernorm_eps: eps.default(1e-6),
    /** The final layer's norm_final (FinalLayerMixin). */
    final_layer_norm_eps: eps.default(1e-6),
    /** The layer embedder's nn.LayerNorm (torch default). */
    txt_embedder_layernorm_eps: eps.default(1e-5),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.hidden_size % c.num_attention_heads) issue('num_attention_heads', 'must divide hidden_size');
    // 3D sin-cos: a quarter temporal, three quarters spatial split in two, each half sin half cos.
    if (c.hidden_size % 16) issue('hidden_size', 'must be a multiple of 16 (3D sin-cos position embedding)');
    if (c.latent_height % c.patch_size) issue('latent_height', 'must be a multiple of patch_size');
    if (c.latent_width % c.patch_size) issue('latent_width', 'must be a multiple of patch_size');
    if (c.text_length % c.text_tokens_per_layer) issue('text_length', 'must be a multiple of text_tokens_per_layer');
    const pos = posFrames(c);
    if ((c.compressed_frames ?? pos) > pos)
      issue('compressed_frames', `exceeds the ${pos} frames of the position table`);
  });
export type DitConfig = z.infer<typeof DitConfigSchema>;

/** Sizes every part of the graph derives from the config. */
export interface DitDims {
  /** Latent frames of the whole (spliced) sequence. */
  frames: number;
  /** Latent frames the position table holds (≥ frames). */
  posFrames: number;
  gridH: number;
  gridW: number;
  /** Video tokens: frames × gridH × gridW. */
  videoTokens: number;
  text: number;
  hidden: number;
  heads: number;
  headDim: number;
}

type FrameFields = Pick<DitConfig, 'num_frames' | 'time_compressed_rate' | 'pos_frames'>;
const posFrames = (c: FrameFields) => c.pos_frames ?? Math.floor((c.num_frames - 1) / c.time_compressed_rate) + 1;

export function ditDims(c: DitConfig): DitDims {
  const pos = posFrames(c);
  const frames = c.compressed_frames ?? pos;
  const gridH = c.latent_height / c.patch_size;
  const gridW = c.latent_width / c.patch_size;
  return {
    frames,
    posFrames: pos,
    gridH,
    gridW,
    videoTokens: frames * gridH * gridW,
    text: c.text_length,
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    headDim: c.hidden_size / c.num_attention_heads,
  };
}

/** Tokens of the sequence every block sees: text, then all video frames (given ones included). */
export const sequenceLength = (c: DitConfig) => c.text_length + ditDims(c).videoTokens;

/**
 * Where the reference splices `cond_input` for each task_idx, as dit_video_concat[_rgb].py forward()
 * hard-codes it: task 1 cat[cond, x] and cuts [:, K:]; task 2 cat[x[:, :K], cond, x[:, -4:]]; task 3
 * cat[x, cond] and cuts [:, :-4]; without a task_idx (decomposition) cat[x, cond] and cuts the last 4
 * (RGB: 2). K is 9 (RGBA) or 4 (RGB).
 */
export function condFramesFor(c: DitConfig, task: 0 | 1 | 2 | 3): FrameRange {
  const { frames } = ditDims(c);
  const rgb = c.reference_module === 'dit_video_concat_rgb';
  const k = rgb ? 4 : 9;
  const ranges: Record<0 | 1 | 2 | 3, FrameRange> = {
    0: [frames - (rgb ? 2 : 4), frames],
    1: [0, k],
    2: [k, k + 4],
    3: [frames - 4, frames],
  };
  const range = ranges[task];
  // Task 2 keeps x[:, :K] and x[:, -4:] around the condition: the sequence must be K + 4 + 4 frames.
  const fits = task === 2 ? frames === k + 8 : range[0] >= 0 && range[1] <= frames;
  if (!fits) {
    throw new DitError(
      'cond-splice',
      'compressed_frames',
      `task ${task} of ${c.reference_module} splices frames [${range}], outside the ${frames} latent frames`,
    );
  }
  return range;
}
