import { GraphBuilder } from '../onnx/graph.ts';
import { silu } from '../onnx/nn.ts';
import type { Weights } from '../weights/table.ts';
import { temporalLevels, type VaeConfig } from './config.ts';
import { CausalCarry, causalConv3d, spatialNorm3d, type ZqScale } from './layers.ts';
import { upsample3d } from './resample.ts';
import { resnetBlock3d } from './resnet.ts';
import { VaeWeights } from './weight-table.ts';
import { vaeDecoderWeightShapes } from './weights.ts';

/**
 * ContextParallelDecoder3D as an ONNX graph: `z` [B, z_channels, T, h, w] (raw latents, already
 * divided by the scale factor) → `out` [B, out_ch, F, 8h, 8w] with F = 1 + 4(T − 1) for odd T and 4T for
 * even T (the reference's two paths, chosen in-graph by parity). Every norm is a SpatialNorm3D
 * conditioned on z itself (zq = z). Any B, k, h, w.
 *
 * With `carry`, the graph decodes a long sequence in passes as the reference's sample_video.py does:
 * every causal conv also takes `cache_in.<i>` (0 frames in the first pass) and gives `cache_out.<i>` for
 * the next (layers.ts CausalCarry); a pass's frames then continue the previous pass's exactly, but each
 * pass takes its own GroupNorm statistics.
 */
export function buildVaeDecoder(c: VaeConfig, weights: Weights, options: { carry?: boolean } = {}): GraphBuilder {
  const g = new GraphBuilder('vae_decoder');
  const w = new VaeWeights(g, weights, vaeDecoderWeightShapes(c));
  const opts = { groups: c.group_norm_groups, eps: c.group_norm_eps };
  const z = g.input('z', 'float32', ['batch', c.z_channels, 'latent_frames', 'latent_height', 'latent_width']);
  const scale: ZqScale = { time: 1, space: 1 };
  const norm = (x: string, name: string) => spatialNorm3d(g, w, x, z, name, { ...scale }, opts);
  const carry = options.carry ? new CausalCarry() : undefined;
  const levels = c.ch_mult.length;
  let width = c.ch * c.ch_mult[levels - 1];
  let h = causalConv3d(g, w, z, 'decoder.conv_in', carry);
  h = resnetBlock3d(g, w, h, 'decoder.mid.block_1', { in: width, out: width }, norm, carry);
  h = resnetBlock3d(g, w, h, 'decoder.mid.block_2', { in: width, out: width }, norm, carry);
  for (let level = levels - 1; level >= 0; level--) {
    for (let b = 0; b <= c.num_res_blocks; b++) {
      const out = c.ch * c.ch_mult[level];
      h = resnetBlock3d(g, w, h, `decoder.up.${level}.block.${b}`, { in: width, out }, norm, carry);
      width = out;
    }
    if (level > 0) {
      // as the reference: the deepest temporal-levels upsamplers also double time
      const compressTime = level >= levels - temporalLevels(c);
      h = upsample3d(g, w, h, `decoder.up.${level}.upsample`, compressTime);
      scale.space *= 2;
      if (compressTime) scale.time *= 2;
    }
  }
  h = causalConv3d(g, w, silu(g, norm(h, 'decoder.norm_out')), 'decoder.conv_out', carry);
  g.output(h, 'float32', ['batch', c.out_ch, 'frames', 'height', 'width'], 'out');
  return g;
}
