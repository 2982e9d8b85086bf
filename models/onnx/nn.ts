/**
 * Neural-network building blocks on GraphBuilder, shared by the architectures (DiT, T5, VAE).
 *
 * Conventions: values are graph value names; activations are [..., features] row-major; weights keep
 * PyTorch's layout (Linear [out, in], Conv [out, in, kh, kw]) so initializer names and bytes map 1:1
 * onto checkpoints. `dtype` is the graph's float type: constants are written in it; ops that need more
 * range compute internally in float32 (LayerNormalization's stash_type).
 */
import { toHalf } from '../session/float16.ts';
import type { GraphBuilder } from './graph.ts';

export type FloatType = 'float32' | 'float16';

/** A float constant of `dims` in the graph's float type. */
export function floats(g: GraphBuilder, values: Float32Array | number[], dims: number[], dtype: FloatType): string {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  return dtype === 'float16' ? g.const(toHalf(f32), dims, 'float16') : g.const(f32, dims, 'float32');
}

/** A 0-d float constant. */
export function scalar(g: GraphBuilder, value: number, dtype: FloatType): string {
  return floats(g, [value], [], dtype);
}

/** x · Wᵀ + b for x [..., in] and a PyTorch Linear weight [out, in] (ONNX Runtime folds the transpose at load). */
export function linear(g: GraphBuilder, x: string, weight: string, bias?: string): string {
  const y = g.op('MatMul', [x, transpose(g, weight, [1, 0])]);
  return bias ? g.op('Add', [y, bias]) : y;
}

/**
 * x · Wᵀ + b as one Gemm with transB: ONNX Runtime packs W as stored, so no transposed copy of the weight
 * sits in memory beside the (memory-mapped) original, and the bias is added inside the GEMM rather than by
 * an Add over the output. x is [rows, in], or [B, tokens, in] with `tokens` (→ [B, tokens, out]; Reshape
 * is free in ORT).
 */
export function gemmLinear(
  g: GraphBuilder,
  x: string,
  weight: string,
  bias: string | undefined,
  shape: { in: number; out: number; tokens?: number },
): string {
  const rows = shape.tokens === undefined ? x : reshape(g, x, [-1, shape.in]);
  const y = g.op('Gemm', bias ? [rows, weight, bias] : [rows, weight], { transB: 1 });
  return shape.tokens === undefined ? y : reshape(g, y, [-1, shape.tokens, shape.out]);
}

export interface NormOptions {
  /** Size of the normalised (last) axis. */
  width: number;
  eps: number;
  /** Elementwise affine scale and shift; absent for `elementwise_affine=False`. */
  scale?: string;
  bias?: string;
  dtype: FloatType;
}

/** LayerNorm over the last axis (ONNX LayerNormalization; statistics in float32 even for float16). */
export function layerNorm(g: GraphBuilder, x: string, o: NormOptions): string {
  const scale = o.scale ?? floats(g, new Float32Array(o.width).fill(1), [o.width], o.dtype);
  const inputs = o.bias ? [x, scale, o.bias] : [x, scale];
  return g.op('LayerNormalization', inputs, { axis: -1, epsilon: { float: o.eps }, stash_type: 1 });
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · scale (plain ops: valid at opset 17). */
export function rmsNorm(g: GraphBuilder, x: string, o: Omit<NormOptions, 'bias' | 'width'>): string {
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const rms = g.op('Sqrt', [g.op('Add', [meanSquare, scalar(g, o.eps, o.dtype)])]);
  const y = g.op('Div', [x, rms]);
  return o.scale ? g.op('Mul', [y, o.scale]) : y;
}

/** GELU, tanh approximation (PyTorch `approximate="tanh"`), as com.microsoft FastGelu. */
export function geluTanh(g: GraphBuilder, x: string): string {
  return g.op('FastGelu', [x], {}, 'com.microsoft');
}

/** SiLU: x · sigmoid(x). */
export function silu(g: GraphBuilder, x: string): string {
  return g.op('Mul', [x, g.op('Sigmoid', [x])]);
}

/**
 * Softmax(q·kᵀ/√d)·v over `heads` heads for q, k, v [B, S, heads·d] → [B, S, heads·d], fused
 * (com.microsoft MultiHeadAttention): the S×S score matrix is never a graph value.
 */
export function attention(g: GraphBuilder, q: string, k: string, v: string, heads: number): string {
  return g.op('MultiHeadAttention', [q, k, v], { num_heads: heads }, 'com.microsoft');
}

/** Reshape to `dims` (0 copies the input's dim, -1 is inferred). */
export function reshape(g: GraphBuilder, x: string, dims: number[]): string {
  return g.op('Reshape', [x, g.ints(dims)]);
}

export function transpose(g: GraphBuilder, x: string, perm: number[]): string {
  return g.op('Transpose', [x], { perm });
}

/** x[start:end] along `axis` (end may be Number.MAX_SAFE_INTEGER for "to the end"). */
export function sliceAxis(g: GraphBuilder, x: string, axis: number, start: number, end: number): string {
  return g.op('Slice', [x, g.ints([start]), g.ints([end]), g.ints([axis])]);
}

export function concat(g: GraphBuilder, xs: string[], axis: number): string {
  return xs.length === 1 ? xs[0] : g.op('Concat', xs, { axis });
}

/** Splits `axis` into consecutive parts of the given sizes. */
export function split(g: GraphBuilder, x: string, axis: number, sizes: number[]): string[] {
  return g.opN('Split', [x, g.ints(sizes)], sizes.length, { axis });
}

/** Casts x to the float type `to`. */
export function cast(g: GraphBuilder, x: string, to: FloatType): string {
  return g.op('Cast', [x], { to: to === 'float16' ? 10 : 1 });
}
