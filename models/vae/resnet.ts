import type { GraphBuilder } from '../onnx/graph.ts';
import { silu } from '../onnx/nn.ts';
import { type CausalCarry, causalConv3d, pointwiseConv3d } from './layers.ts';
import type { VaeWeights } from './weight-table.ts';

/** The block's normalisation: GroupNorm in the encoder, SpatialNorm3D on zq in the decoder. */
export type NormFn = (x: string, name: string) => string;

/**
 * ContextParallelResnetBlock3D without time embedding: norm1 → SiLU → conv1 → norm2 → SiLU → conv2
 * (dropout is identity at inference), plus the input through a 1×1×1 conv when widths differ. With
 * `carry`, its convs take and give their causal caches (layers.ts CausalCarry).
 */
export function resnetBlock3d(
  g: GraphBuilder,
  w: VaeWeights,
  x: string,
  name: string,
  widths: { in: number; out: number },
  norm: NormFn,
  carry?: CausalCarry,
): string {
  let h = silu(g, norm(x, `${name}.norm1`));
  h = causalConv3d(g, w, h, `${name}.conv1`, carry);
  h = silu(g, norm(h, `${name}.norm2`));
  h = causalConv3d(g, w, h, `${name}.conv2`, carry);
  const shortcut = widths.in === widths.out ? x : pointwiseConv3d(g, w, x, `${name}.nin_shortcut`);
  return g.op('Add', [shortcut, h]);
}
