import type { GraphBuilder } from '../onnx/graph.ts';
import { concat, reshape, sliceAxis } from '../onnx/nn.ts';
import type { VaeWeights } from './weight-table.ts';

/** Values are [B, C, T, H, W]; time is axis 2. */
export const TIME = 2;

/**
 * Where causal convolutions take their time padding from. Without carry (`undefined`) every conv repeats
 * its input's first frame, as one reference pass does. With carry, the graph has an input `carry` ([1]:
 * 0 in the first pass, 1 after) and each conv an input `cache_in.<i>` (any shape that broadcasts, e.g.
 * [1, 1, 1, 1, 1], in the first pass) and an output `cache_out.<i>`: the last kt − 1 frames of its padded
 * input, which the next pass puts in front instead of the repeated first frame. This is the reference's
 * fake-context-parallel cache (cp_enc_dec.py ContextParallelCausalConv3d, clear_fake_cp_cache), with
 * which its sample_video.py decodes in passes.
 */
export class CausalCarry {
  /** Convolutions with a cache, in graph order. */
  count = 0;
  private flag?: string;

  /** The kt − 1 frames in front of `x`: the carried cache, or in the first pass x's first frame repeated. */
  head(g: GraphBuilder, x: string, kernel: number): string {
    if (!this.flag) this.flag = g.op('Cast', [g.input('carry', 'float32', [1])], { to: 9 /* BOOL */ });
    const i = this.count++;
    const cache = g.input(`cache_in.${i}`, 'float32', [`b${i}`, `c${i}`, `t${i}`, `h${i}`, `w${i}`]);
    const repeated = concat(g, Array(kernel - 1).fill(sliceAxis(g, x, TIME, 0, 1)), TIME);
    return g.op('Where', [this.flag, cache, repeated]);
  }

  /**
   * Publishes the last kt − 1 frames of a conv's padded input as its cache for the next pass, and returns
   * the conv's output `y` made to depend on that cache (a Reshape to y's own shape, plus 0 × the cache's
   * shape). Why: ONNX Runtime orders nodes by a depth-first walk back from the nodes nothing consumes; a
   * cache output no node consumed was such a node and ran last, so every padded input stayed alive to the
   * end of the decode (mid pack one pass: 410 MiB above the session's baseline, 160 without carry).
   */
  tail(g: GraphBuilder, padded: string, kernel: number, y: string): string {
    const last = sliceAxis(g, padded, TIME, -(kernel - 1), Number.MAX_SAFE_INTEGER);
    g.output(last, 'float32', undefined, `cache_out.${this.count - 1}`);
    const zero = g.op('Mul', [g.op('Shape', [last]), g.ints([0])]);
    return g.op('Reshape', [y, g.op('Add', [g.op('Shape', [y]), zero])]);
  }
}

/**
 * ContextParallelCausalConv3d: kt − 1 frames in front (the causal "first" padding: the first frame
 * repeated, or with `carry` the previous pass's last frames), zeros around H and W, then a plain Conv3d
 * (faster in ONNX Runtime 1.30 on CPU than Conv2Ds over shifted frames: bench/vae-conv.ts). `name` is the
 * module (…conv1), whose weight sits at `${name}.conv.weight`.
 */
export function causalConv3d(g: GraphBuilder, w: VaeWeights, x: string, name: string, carry?: CausalCarry): string {
  const kernel = 3;
  const head = carry ? [carry.head(g, x, kernel)] : Array(kernel - 1).fill(sliceAxis(g, x, TIME, 0, 1));
  const padded = concat(g, [...head, x], TIME);
  const y = g.op('Conv', [padded, w.get(`${name}.conv.weight`), w.get(`${name}.conv.bias`)], {
    pads: [0, 1, 1, 0, 1, 1],
  });
  return carry ? carry.tail(g, padded, kernel, y) : y;
}

/**
 * A plain 1×1×1 Conv3d (`nin_shortcut`), run as a 1×1 Conv2d over [B, C, T, H·W]: in ONNX Runtime's CPU
 * profile a 1×1×1 Conv3D took about as long as a 3×3×3 one on the same frames.
 */
export function pointwiseConv3d(g: GraphBuilder, w: VaeWeights, x: string, name: string): string {
  return pointwise(g, x, w.get(`${name}.weight`), w.get(`${name}.bias`));
}

/** x [B, Ci, T, H, W] through a [Co, Ci, 1, 1, 1] weight as a 1×1 Conv2d; the result [B, Co, T, H, W]. */
function pointwise(g: GraphBuilder, x: string, weight: string, bias: string): string {
  const flat = reshape(g, x, [0, 0, 0, -1]);
  const kernel = reshape(g, weight, [0, 0, 1, 1]);
  const y = g.op('Conv', [flat, kernel, bias]);
  const dims = g.op('Shape', [x]);
  const out = g.op(
    'Concat',
    [g.op('Slice', [g.op('Shape', [y]), g.ints([0]), g.ints([3])]), g.op('Slice', [dims, g.ints([3]), g.ints([5])])],
    { axis: 0 },
  );
  return g.op('Reshape', [y, out]);
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
 * torch.nn.GroupNorm's normalisation over [B, C, T, H, W] without its affine: statistics per (batch, group)
 * over its channels and all of T, H, W (biased variance), as one InstanceNormalization of [B, groups, −1]
 * (one kernel, where seven elementwise ops and reductions each wrote a clip-sized tensor).
 */
export function normalizeGroups(g: GraphBuilder, x: string, o: GroupNormOptions): string {
  const grouped = reshape(g, x, [0, o.groups, -1]);
  const ones = g.const(new Float32Array(o.groups).fill(1), [o.groups]);
  const zeros = g.const(new Float32Array(o.groups), [o.groups]);
  const normed = g.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: o.eps });
  return g.op('Reshape', [normed, g.op('Shape', [x])]);
}

/** torch.nn.GroupNorm over [B, C, T, H, W]: the group normalisation, then the per-channel affine. */
export function groupNorm(g: GraphBuilder, w: VaeWeights, x: string, name: string, o: GroupNormOptions): string {
  const perChannel = (v: string) => g.op('Unsqueeze', [v, g.ints([1, 2, 3])]);
  const scaled = g.op('Mul', [normalizeGroups(g, x, o), perChannel(w.get(`${name}.weight`))]);
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
 *
 * Computed in another order, equal up to rounding: the 1×1×1 convs commute with the nearest resize, so
 * they run on zq at latent size, with the GroupNorm's affine folded in (γ·y and β·y + b are one conv of zq
 * with 2C outputs); they are resized in time and width only, and the repeat over rows is a broadcast of
 * f viewed as [B, C, T, h, s, W] against [B, C, T, h, 1, W]. No full-size y or b is ever made.
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
  const param = (p: string) => g.op('Unsqueeze', [w.get(`${name}.${p}`), g.ints([1, 2, 3, 4])]);
  const [gamma, beta] = [param('norm_layer.weight'), param('norm_layer.bias')];
  const [wy, by, wb, bb] = ['conv_y.conv.weight', 'conv_y.conv.bias', 'conv_b.conv.weight', 'conv_b.conv.bias'].map(
    (p) => w.get(`${name}.${p}`),
  );
  const vec = (v: string) => reshape(g, v, [-1]);
  const weight = concat(g, [g.op('Mul', [wy, gamma]), g.op('Add', [g.op('Mul', [wy, beta]), wb])], 0);
  const bias = concat(g, [vec(g.op('Mul', [by, vec(gamma)])), g.op('Add', [g.op('Mul', [by, vec(beta)]), bb])], 0);
  let yb = pointwise(g, zq, weight, bias);
  if (r > 1 || s > 1) yb = nearestResize(g, yb, [1, 1, r, 1, s]);
  if (r > 1) {
    const drop = g.op('Mul', [oddFrameCount(g, zq), g.ints([r - 1])]);
    yb = g.op('Slice', [yb, drop, g.ints([Number.MAX_SAFE_INTEGER]), g.ints([TIME])]);
  }
  const [y, b] = g.opN('Split', [yb], 2, { axis: 1 });
  const normed = normalizeGroups(g, f, o);
  if (s === 1) return g.op('Add', [g.op('Mul', [normed, y]), b]);
  // f as [B, C, T, h, s, W] against y and b as [B, C, T, h, 1, W]: each latent row serves s rows of f
  const fw = g.op('Slice', [g.op('Shape', [f]), g.ints([4]), g.ints([5])]);
  const rows = g.op('Concat', [g.ints([0, 0, 0, -1, s]), fw], { axis: 0 });
  const row = (v: string) => g.op('Unsqueeze', [v, g.ints([4])]);
  const out = g.op('Add', [g.op('Mul', [g.op('Reshape', [normed, rows]), row(y)]), row(b)]);
  return g.op('Reshape', [out, g.op('Shape', [f])]);
}

/** torch.nn.functional.interpolate(mode="nearest") by integer factors. */
export function nearestResize(g: GraphBuilder, x: string, scales: number[]): string {
  return g.op('Resize', [x, '', g.const(Float32Array.from(scales), [scales.length])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
}
