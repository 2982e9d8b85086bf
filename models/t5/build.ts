import { GraphBuilder } from '../onnx/graph.ts';
import { geluTanh, linear, reshape, rmsNorm, transpose } from '../onnx/nn.ts';
import { relativePositionBuckets } from './buckets.ts';
import type { T5Config } from './config.ts';
import {
  attentionPrefix,
  EMBEDDING,
  FINAL_NORM,
  feedForwardPrefix,
  RELATIVE_BIAS,
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
}

/**
 * The T5 v1.1 encoder (transformers T5EncoderModel) as an ONNX graph: `input_ids` [B, L] int64
 * (L ≤ maxLength) → `last_hidden_state` [B, L, d_model]. Pre-norm blocks with RMS norms, unscaled
 * attention with a relative-position bias computed by block 0 and shared by all, gated-GELU feed-forward.
 */
export function buildT5Encoder(
  c: T5Config,
  weights: ReadonlyMap<string, Float32Array>,
  options: T5BuildOptions = {},
): GraphBuilder {
  const g = new GraphBuilder('t5_encoder');
  const w = new T5Weights(g, weights, t5WeightShapes(c));
  const ids = g.input('input_ids', 'int64', ['batch', 'tokens']);
  const mask = options.attentionMask ? g.input('attention_mask', 'int64', ['batch', 'tokens']) : undefined;
  const bias = attentionBias(g, w, c, ids, options.maxLength ?? 226, mask);
  const norm = (x: string, name: string) =>
    rmsNorm(g, x, { eps: c.layer_norm_epsilon, scale: w.get(name), dtype: 'float32' });
  let h = g.op('Gather', [w.get(EMBEDDING), ids], { axis: 0 });
  for (let i = 0; i < c.num_layers; i++) {
    const a = attentionPrefix(i);
    h = g.op('Add', [h, selfAttention(g, w, c, norm(h, `${a}.layer_norm.weight`), `${a}.SelfAttention`, bias)]);
    const f = feedForwardPrefix(i);
    h = g.op('Add', [h, gatedGelu(g, w, norm(h, `${f}.layer_norm.weight`), `${f}.DenseReluDense`)]);
  }
  g.output(norm(h, FINAL_NORM), 'float32', ['batch', 'tokens', c.d_model], 'last_hidden_state');
  return g;
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
function selfAttention(g: GraphBuilder, w: T5Weights, c: T5Config, x: string, name: string, bias: string): string {
  const heads = (m: string, perm: number[]) =>
    transpose(g, reshape(g, linear(g, x, w.get(`${name}.${m}.weight`)), [0, 0, c.num_heads, c.d_kv]), perm);
  const q = heads('q', [0, 2, 1, 3]); // [B, H, L, d]
  const kT = heads('k', [0, 2, 3, 1]); // [B, H, d, L]
  const v = heads('v', [0, 2, 1, 3]);
  const scores = g.op('Add', [g.op('MatMul', [q, kT]), bias]);
  const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
  const merged = reshape(g, transpose(g, context, [0, 2, 1, 3]), [0, 0, c.num_heads * c.d_kv]);
  return linear(g, merged, w.get(`${name}.o.weight`));
}

/** T5DenseGatedActDense: wo(gelu_new(wi_0·x) ⊙ wi_1·x), dropout off. */
function gatedGelu(g: GraphBuilder, w: T5Weights, x: string, name: string): string {
  const gate = geluTanh(g, linear(g, x, w.get(`${name}.wi_0.weight`)));
  const up = linear(g, x, w.get(`${name}.wi_1.weight`));
  return linear(g, g.op('Mul', [gate, up]), w.get(`${name}.wo.weight`));
}
