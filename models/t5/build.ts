import { GraphBuilder } from '../onnx/graph.ts';
import { cast, type FloatType, geluTanh, linear, reshape, rmsNorm, scalar, transpose } from '../onnx/nn.ts';
import { relativePositionBuckets } from './buckets.ts';
import type { T5Config } from './config.ts';
import {
  attentionPrefix,
  EMBEDDING,
  FINAL_NORM,
  feedForwardPrefix,
  RELATIVE_BIAS,
  type T5WeightMap,
  T5Weights,
  t5WeightShapes,
} from './weights.ts';

export interface T5BuildOptions {
  /** Longest sequence the graph accepts (the bucket table's size); LayerFlow uses 226. */
  maxLength?: number;
  /**
   * Add an `attention_mask` [B, L] input (1 = token, 0 = padding) that hides padding keys. The reference
   * (FrozenT5Embedder) calls the encoder with `input_ids` only, so pads are attended; off by default.
   */
  attentionMask?: boolean;
  /**
   * Weight type of the embedding and projection matrices (norm scales and the position bias stay float32).
   * float16 multiplies in float16 without overflowing (see halfLinear); everything between the matrix
   * products (residual stream, norms, attention scores, GELU) stays float32.
   */
  dtype?: FloatType;
}

/**
 * The T5 v1.1 encoder (transformers T5EncoderModel) as an ONNX graph: `input_ids` [B, L] int64
 * (L ≤ maxLength) → `last_hidden_state` [B, L, d_model] float32. Pre-norm blocks with RMS norms, unscaled
 * attention with a relative-position bias computed by block 0 and shared by all, gated-GELU feed-forward.
 * Weights are in-memory arrays or stored tensors, read one at a time as they are added.
 */
export function buildT5Encoder(c: T5Config, weights: T5WeightMap, options: T5BuildOptions = {}): GraphBuilder {
  const dtype = options.dtype ?? 'float32';
  const g = new GraphBuilder('t5_encoder');
  const w = new T5Weights(g, weights, t5WeightShapes(c), dtype);
  const ids = g.input('input_ids', 'int64', ['batch', 'tokens']);
  const mask = options.attentionMask ? g.input('attention_mask', 'int64', ['batch', 'tokens']) : undefined;
  const bias = attentionBias(g, w, c, ids, options.maxLength ?? 226, mask);
  const norm = (x: string, name: string) =>
    rmsNorm(g, x, { eps: c.layer_norm_epsilon, scale: w.get(name), dtype: 'float32' });
  const project = (x: string, name: string) =>
    dtype === 'float16' ? halfLinear(g, x, w.get(name)) : linear(g, x, w.get(name));
  const embedded = g.op('Gather', [w.get(EMBEDDING), ids], { axis: 0 });
  let h = dtype === 'float16' ? cast(g, embedded, 'float32') : embedded;
  for (let i = 0; i < c.num_layers; i++) {
    const a = attentionPrefix(i);
    h = g.op('Add', [h, selfAttention(g, c, project, norm(h, `${a}.layer_norm.weight`), `${a}.SelfAttention`, bias)]);
    const f = feedForwardPrefix(i);
    h = g.op('Add', [h, gatedGelu(g, project, norm(h, `${f}.layer_norm.weight`), `${f}.DenseReluDense`)]);
  }
  g.output(norm(h, FINAL_NORM), 'float32', ['batch', 'tokens', c.d_model], 'last_hidden_state');
  return g;
}

type Project = (x: string, weight: string) => string;

/**
 * x · Wᵀ with a float16 W for a float32 x, safe from overflow: each row of x is divided by its largest
 * |value| before the float16 product and the result multiplied back in float32, so a product can reach at
 * most the row's ‖W_o‖₁ (far below 65504 for trained weights) however large the activations grow. T5 v1.1
 * overflows float16 where its activations pass 65504 (transformers clamps the hidden states and keeps `wo`
 * in float32 instead); here the residual stream never is float16 and the products cannot overflow.
 */
function halfLinear(g: GraphBuilder, x: string, weight: string): string {
  const peak = g.op('ReduceMax', [g.op('Abs', [x])], { axes: [-1], keepdims: 1 });
  // Floor: an all-zero row stays zero instead of 0/0.
  const scale = g.op('Max', [peak, scalar(g, 1e-30, 'float32')]);
  const unit = cast(g, g.op('Div', [x, scale]), 'float16');
  return g.op('Mul', [cast(g, linear(g, unit, weight), 'float32'), scale]);
}

/**
 * Position bias [1, heads, L, L]: the learned per-bucket bias of block 0 gathered through a constant
 * bucket table cut to the input's L; plus, with a mask, the float32 minimum on padding keys (as HF).
 */
function attentionBias(
  g: GraphBuilder,
  w: T5Weights,
  c: T5Config,
  ids: string,
  maxLength: number,
  mask?: string,
): string {
  const table = relativePositionBuckets(maxLength, c.relative_attention_num_buckets, c.relative_attention_max_distance);
  const length = g.op('Shape', [ids], { start: 1, end: 2 });
  const ends = g.op('Concat', [length, length], { axis: 0 });
  const buckets = g.op('Slice', [g.const(table, [maxLength, maxLength], 'int64'), g.ints([0, 0]), ends]);
  const perPair = g.op('Gather', [w.get(RELATIVE_BIAS), buckets], { axis: 0 }); // [L, L, heads]
  const position = g.op('Unsqueeze', [transpose(g, perPair, [2, 0, 1]), g.ints([0])]);
  if (!mask) return position;
  const hidden = g.op('Sub', [g.const([1], []), g.op('Cast', [mask], { to: 1 })]);
  const keyBias = g.op('Mul', [hidden, g.const([-3.4028234663852886e38], [])]);
  return g.op('Add', [position, g.op('Unsqueeze', [keyBias, g.ints([1, 2])])]);
}

/** T5Attention without 1/√d scaling (folded into the weights at training): softmax(q·kᵀ + bias)·v·Oᵀ. */
function selfAttention(g: GraphBuilder, c: T5Config, project: Project, x: string, name: string, bias: string): string {
  const heads = (m: string, perm: number[]) =>
    transpose(g, reshape(g, project(x, `${name}.${m}.weight`), [0, 0, c.num_heads, c.d_kv]), perm);
  const q = heads('q', [0, 2, 1, 3]); // [B, H, L, d]
  const kT = heads('k', [0, 2, 3, 1]); // [B, H, d, L]
  const v = heads('v', [0, 2, 1, 3]);
  const scores = g.op('Add', [g.op('MatMul', [q, kT]), bias]);
  const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
  const merged = reshape(g, transpose(g, context, [0, 2, 1, 3]), [0, 0, c.num_heads * c.d_kv]);
  return project(merged, `${name}.o.weight`);
}

/** T5DenseGatedActDense: wo(gelu_new(wi_0·x) ⊙ wi_1·x), dropout off. */
function gatedGelu(g: GraphBuilder, project: Project, x: string, name: string): string {
  const gate = geluTanh(g, project(x, `${name}.wi_0.weight`));
  const up = project(x, `${name}.wi_1.weight`);
  return project(g.op('Mul', [gate, up]), `${name}.wo.weight`);
}
