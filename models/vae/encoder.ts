import { GraphBuilder } from '../onnx/graph.ts';
import { silu } from '../onnx/nn.ts';
import type { Weights } from '../weights/table.ts';
import { temporalLevels, type VaeConfig } from './config.ts';
import { causalConv3d, groupNorm } from './layers.ts';
import { downsample3d } from './resample.ts';
import { resnetBlock3d } from './resnet.ts';
import { VaeWeights } from './weight-table.ts';
import { vaeEncoderWeightShapes } from './weights.ts';

/**
 * ContextParallelEncoder3D as an ONNX graph: `x` [B, in_channels, F, H, W] (pixels in [-1, 1], F = 1 + 4k
 * or 4k, H and W multiples of 8) → `moments` [B, 2·z, 1 + k or k, H/8, W/8], mean then log-variance. Any B, F, H, W.
 */
export function buildVaeEncoder(c: VaeConfig, weights: Weights): GraphBuilder {
  const g = new GraphBuilder('vae_encoder');
  const w = new VaeWeights(g, weights, vaeEncoderWeightShapes(c));
  const norm = { groups: c.group_norm_groups, eps: c.group_norm_eps };
  const gn = (x: string, name: string) => groupNorm(g, w, x, name, norm);
  const x = g.input('x', 'float32', ['batch', c.in_channels, 'frames', 'height', 'width']);
  let h = causalConv3d(g, w, x, 'encoder.conv_in');
  let width = c.ch;
  c.ch_mult.forEach((mult, level) => {
    for (let b = 0; b < c.num_res_blocks; b++) {
      const out = c.ch * mult;
      h = resnetBlock3d(g, w, h, `encoder.down.${level}.block.${b}`, { in: width, out }, gn);
      width = out;
    }
    if (level < c.ch_mult.length - 1) {
      h = downsample3d(g, w, h, `encoder.down.${level}.downsample`, level < temporalLevels(c));
    }
  });
  h = resnetBlock3d(g, w, h, 'encoder.mid.block_1', { in: width, out: width }, gn);
  h = resnetBlock3d(g, w, h, 'encoder.mid.block_2', { in: width, out: width }, gn);
  h = causalConv3d(g, w, silu(g, gn(h, 'encoder.norm_out')), 'encoder.conv_out');
  const moments = c.double_z ? 2 * c.z_channels : c.z_channels;
  g.output(h, 'float32', ['batch', moments, 'latent_frames', 'latent_height', 'latent_width'], 'moments');
  return g;
}
