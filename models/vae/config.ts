import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * The CogVideoX causal 3D VAE's hyperparameters under the reference's names (cp_enc_dec.py
 * ContextParallelEncoder3D / ContextParallelDecoder3D params, as the golden files' `config` writes them).
 * Real CogVideoX-2B: ch 128, ch_mult [1,2,2,4], num_res_blocks 3, z_channels 16.
 */
export const VaeConfigSchema = z
  .object({
    double_z: z.boolean().default(true),
    z_channels: positiveInt,
    resolution: positiveInt.default(256),
    in_channels: positiveInt.default(3),
    out_ch: positiveInt.default(3),
    ch: positiveInt,
    ch_mult: z.array(positiveInt).min(1),
    /** Attention blocks are not ported: CogVideoX's VAE has none. */
    attn_resolutions: z
      .array(z.number())
      .max(0, 'attention blocks are not supported (CogVideoX uses none)')
      .default([]),
    num_res_blocks: positiveInt,
    dropout: z.number().min(0).default(0),
    /** Context-parallel gathering only; one process computes the same plain GroupNorm. */
    encoder_gather_norm: z.boolean().default(true),
    decoder_gather_norm: z.boolean().default(false),
    group_norm_groups: positiveInt.default(32),
    group_norm_eps: z.number().positive().default(1e-6),
    temporal_compress_times: positiveInt.default(4),
  })
  .superRefine((c, ctx) => {
    const widths = [c.ch, ...c.ch_mult.map((m) => m * c.ch)];
    if (widths.some((w) => w % c.group_norm_groups)) {
      ctx.addIssue({ code: 'custom', path: ['group_norm_groups'], message: 'must divide every channel width' });
    }
    const levels = Math.log2(c.temporal_compress_times);
    if (!Number.isInteger(levels) || levels > c.ch_mult.length - 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['temporal_compress_times'],
        message: 'must be 2^n with n ≤ the number of downsampling levels',
      });
    }
  });
export type VaeConfig = z.infer<typeof VaeConfigSchema>;

/** How many of the (first) downsampling levels also halve time: log2(temporal_compress_times). */
export function temporalLevels(c: VaeConfig): number {
  return Math.log2(c.temporal_compress_times);
}

/** Spatial compression factor: 2^(levels − 1). */
export function spatialFactor(c: VaeConfig): number {
  return 2 ** (c.ch_mult.length - 1);
}
