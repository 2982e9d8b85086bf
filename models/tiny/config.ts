import { type DitConfig, DitConfigSchema } from '../dit/config.ts';
import { layerOrderOf, referenceConditions } from '../pack/conditions.ts';
import type { PackConfig, Task } from '../pack/schema.ts';
import { type T5Config, T5ConfigSchema } from '../t5/config.ts';
import { spatialFactor, type VaeConfig, VaeConfigSchema } from '../vae/config.ts';

/** Seed every tiny pack is generated from; same seed, same bytes. */
export const TINY_SEED = 20250604;

/** The real architectures at tiny sizes: 8 pixel frames per layer at 32×48 px → 2 latent frames of 4×6. */
export const TINY = {
  width: 48,
  height: 32,
  framesPerLayer: 8,
  fps: 8,
  latentChannels: 4,
  temporalCompression: 4,
  spatialCompression: 8,
  patchSize: 2,
  textTokensPerLayer: 226,
  dit: { hidden: 64, layers: 2, heads: 4, timeEmbed: 32, motionRank: 2, contentRank: 4 },
  t5: { dModel: 32, layers: 2, heads: 4, dKv: 8, dFf: 64 },
  // Four levels (spatial 8, the first two also halve time); 4 groups since 32 would not divide ch 8.
  vae: { ch: 8, chMult: [1, 1, 2, 2], resBlocks: 1, groups: 4 },
} as const;

export const TASKS: Task[] = ['generate', 'decompose', 'fg-to-bg', 'bg-to-fg'];

/** Latent frames per layer. */
export const TINY_K = TINY.framesPerLayer / TINY.temporalCompression;

export function tinyPackConfig(variant: 'rgb' | 'rgba'): PackConfig {
  return {
    latentChannels: TINY.latentChannels,
    temporalCompression: TINY.temporalCompression,
    spatialCompression: TINY.spatialCompression,
    patchSize: TINY.patchSize,
    layerOrder: layerOrderOf(variant),
    framesPerLayer: TINY.framesPerLayer,
    textTokensPerLayer: TINY.textTokensPerLayer,
    textHidden: TINY.t5.dModel,
    latentScale: 1.15258426,
    schedule: { shift: 3, steps: 50, cfgScale: 6, cfgExp: 5 },
    condition: referenceConditions(variant, TINY_K),
    dtype: 'float32',
    size: { width: TINY.width, height: TINY.height },
    fps: TINY.fps,
  };
}

/** The DiT config one task runs: its frame count (with the duplicated frame or not) and text length. */
export function tinyDitConfig(config: PackConfig, task: Task): DitConfig {
  const c = config.condition[task];
  if (!c) throw new Error(`tiny pack config has no condition for ${task}`);
  const pixelFrames = config.layerOrder.length * config.framesPerLayer + (c.duplicateFirstFrame ? 1 : 0);
  const { dit } = TINY;
  return DitConfigSchema.parse({
    num_frames: pixelFrames,
    time_compressed_rate: config.temporalCompression,
    compressed_frames: config.layerOrder.length * TINY_K + (c.duplicateFirstFrame ? 1 : 0),
    latent_width: config.size.width / config.spatialCompression,
    latent_height: config.size.height / config.spatialCompression,
    patch_size: config.patchSize,
    in_channels: config.latentChannels,
    out_channels: config.latentChannels,
    hidden_size: dit.hidden,
    num_layers: dit.layers,
    num_attention_heads: dit.heads,
    elementwise_affine: true,
    time_embed_dim: dit.timeEmbed,
    text_hidden_size: config.textHidden,
    text_length: c.prompts.length * config.textTokensPerLayer,
    text_tokens_per_layer: config.textTokensPerLayer,
    // As the released 480×720 configs (cogvideox_2b_stage2_*.yaml).
    height_interpolation: 1.875,
    width_interpolation: 1.875,
    time_interpolation: 1,
    qk_ln: true,
    lora: {
      motion_r: dit.motionRank,
      spatial_r: dit.contentRank,
      lora_alpha: 1,
      targets: ['attention.query_key_value', 'attention.dense'],
    },
    reference_module: config.layerOrder.includes('alpha') ? 'dit_video_concat' : 'dit_video_concat_rgb',
  });
}

/** The tiny T5 encoder: as wide as the pack's textHidden, one embedding row per tokenizer id. */
export function tinyT5Config(config: PackConfig, vocabSize: number): T5Config {
  const { t5 } = TINY;
  return T5ConfigSchema.parse({
    vocab_size: vocabSize,
    d_model: config.textHidden,
    d_kv: t5.dKv,
    d_ff: t5.dFf,
    num_layers: t5.layers,
    num_heads: t5.heads,
  });
}

/** The tiny causal 3D VAE, with the pack's latent channels and compression factors. */
export function tinyVaeConfig(config: PackConfig): VaeConfig {
  const { vae } = TINY;
  const c = VaeConfigSchema.parse({
    z_channels: config.latentChannels,
    ch: vae.ch,
    ch_mult: [...vae.chMult],
    num_res_blocks: vae.resBlocks,
    group_norm_groups: vae.groups,
    temporal_compress_times: config.temporalCompression,
  });
  if (spatialFactor(c) !== config.spatialCompression) {
    throw new Error(`tiny VAE compresses space ${spatialFactor(c)}×, the pack says ${config.spatialCompression}×`);
  }
  return c;
}
