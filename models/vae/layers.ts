import type { GraphBuilder } from '../onnx/graph.ts';
import { concat, reshape, sliceAxis } from '../onnx/nn.ts';
import type { VaeWeights } from './weight-table.ts';

/** Values are [B, C, T, H, W]; time is axis 2. */
export const TIME = 2;

/**
 * ContextParallelCausalConv3d (one process): the first frame repeated kt − 1 times in front (the causal
 * "first" padding), zeros around H and W, then a plain Conv3d. `name` is the module (…conv1), whose
 * weight sits at `${name}.conv.weight`.
 */
export function causalConv3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, kernel = 3): string {
  const pad = (kernel - 1) / 2;
  const first = sliceAxis(g, x, TIME, 0, 1);
  const padded = kernel > 1 ? concat(g, [...Array(kernel - 1).fill(first), x], TIME) : x;
  return g.op('Conv', [padded, w.get(`${name}.conv.weight`), w.get(`${name}.conv.bias`)], {
    pads: [0, pad, pad, 0, pad, pad],
  });
}

/** A plain 1×1×1 Conv3d (`nin_shortcut`). */
export function pointwiseConv3d(g: GraphBuilder, w: VaeWeights, x: string, name: string): string {
  return g.op('Conv', [x, w.get(`${name}.weight`), w.get(`${name}.bias`)]);
}

/** A Conv2d applied to every frame (the reference folds time into batch): a [1, kh, kw] Conv3d. */
export function frameConv2d(
  g: GraphBuilder,
  w: VaeWeights,
  x: string,
  name: string,
  attrs: { strides?: number[]; pads: number[] },
): string {
  const weight = g.op('Unsqueeze', [w.get(`${name}.weight`), g.ints([2])]);
  const strides = [1, ...(attrs.strides ?? [1, 1])];
  return g.op('Conv', [x, weight, w.get(`${name}.bias`)], { strides, pads: attrs.pads });
}

export interface GroupNormOptions {
  groups: number;
  eps: number;
}

/**
 * torch.nn.GroupNorm over [B, C, T, H, W]: statistics per (batch, group) over its channels and all of
 * T, H, W (two-pass mean and biased variance), then the per-channel affine.
 */
export function groupNorm(g: GraphBuilder, w: VaeWeights, x: string, name: string, o: GroupNormOptions): string {
  const grouped = reshape(g, x, [0, o.groups, -1]);
  const mean = g.op('ReduceMean', [grouped], { axes: [2], keepdims: 1 });
  const centered = g.op('Sub', [grouped, mean]);
  const variance = g.op('ReduceMean', [g.op('Mul', [centered, centered])], { axes: [2], keepdims: 1 });
  const std = g.op('Sqrt', [g.op('Add', [variance, g.const([o.eps], [])])]);
  const normed = g.op('Reshape', [g.op('Div', [centered, std]), g.op('Shape', [x])]);
  const perChannel = (v: string) => g.op('Unsqueeze', [v, g.ints([1, 2, 3])]);
  const scaled = g.op('Mul', [normed, perChannel(w.get(`${name}.weight`))]);
  return g.op('Add', [scaled, perChannel(w.get(`${name}.bias`))]);
}

/** How far the decoder has upsampled z at this point: time factor and space factor. */
export interface ZqScale {
  time: number;
  space: number;
}

/** T mod 2 of a [B, C, T, H, W] value, as a 1-element int64 tensor (for Slice bounds). */
export function oddFrameCount(g: GraphBuilder, x: string): string {
  const frames = g.op('Slice', [g.op('Shape', [x]), g.ints([TIME]), g.ints([TIME + 1])]);
  return g.op('Mod', [frames, g.ints([2])]);
}

/**
 * SpatialNorm3D: GroupNorm(f) · conv_y(zq) + conv_b(zq), zq resized to f by nearest neighbour. For odd
 * frame counts the reference keeps the first frame apart (zq[:, :, :1] → f's first frame, the rest → the
 * remaining frames): f = 1 + k·r from zq's 1 + k is "repeat every frame r times, drop r − 1 from the
 * front". For even counts it resizes the whole clip: repeat r times, drop nothing. f and zq share parity.
 */
export function spatialNorm3d(
  g: GraphBuilder,
  w: VaeWeights,
  f: string,
  zq: string,
  name: string,
  scale: ZqScale,
  o: GroupNormOptions,
): string {
  const { time: r, space: s } = scale;
  let z = zq;
  if (r > 1 || s > 1) z = nearestResize(g, z, [1, 1, r, s, s]);
  if (r > 1) {
    const drop = g.op('Mul', [oddFrameCount(g, zq), g.ints([r - 1])]);
    z = g.op('Slice', [z, drop, g.ints([Number.MAX_SAFE_INTEGER]), g.ints([TIME])]);
  }
  const normed = groupNorm(g, w, f, `${name}.norm_layer`, o);
  const y = causalConv3d(g, w, z, `${name}.conv_y`, 1);
  const b = causalConv3d(g, w, z, `${name}.conv_b`, 1);
  return g.op('Add', [g.op('Mul', [normed, y]), b]);
}

/** torch.nn.functional.interpolate(mode="nearest") by integer factors. */
export function nearestResize(g: GraphBuilder, x: string, scales: number[]): string {
  return g.op('Resize', [x, '', g.const(Float32Array.from(scales), [scales.length])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
}
