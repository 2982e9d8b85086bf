import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import type { TensorSource } from '../weights/source.ts';
import { InitializerTable } from '../weights/table.ts';
import type { T5Config } from './config.ts';
import { T5Error } from './errors.ts';

/** HF T5EncoderModel parameter names. */
export const EMBEDDING = 'shared.weight';
/** HF's second name for the embedding (the same tensor; checkpoints may hold either). */
export const EMBEDDING_ALIAS = 'encoder.embed_tokens.weight';
export const RELATIVE_BIAS = 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight';
export const FINAL_NORM = 'encoder.final_layer_norm.weight';
export const attentionPrefix = (i: number) => `encoder.block.${i}.layer.0`;
export const feedForwardPrefix = (i: number) => `encoder.block.${i}.layer.1`;

/**
 * Every encoder parameter with its shape, under HF T5EncoderModel's names (`encoder.embed_tokens.weight`
 * is the same tensor as `shared.weight`; checkpoints may hold either).
 */
export function t5WeightShapes(c: T5Config): Map<string, number[]> {
  const inner = c.num_heads * c.d_kv;
  const s = new Map<string, number[]>([[EMBEDDING, [c.vocab_size, c.d_model]]]);
  for (let i = 0; i < c.num_layers; i++) {
    const a = attentionPrefix(i);
    for (const m of ['q', 'k', 'v']) s.set(`${a}.SelfAttention.${m}.weight`, [inner, c.d_model]);
    s.set(`${a}.SelfAttention.o.weight`, [c.d_model, inner]);
    if (i === 0) s.set(RELATIVE_BIAS, [c.relative_attention_num_buckets, c.num_heads]);
    s.set(`${a}.layer_norm.weight`, [c.d_model]);
    const f = feedForwardPrefix(i);
    s.set(`${f}.DenseReluDense.wi_0.weight`, [c.d_ff, c.d_model]);
    s.set(`${f}.DenseReluDense.wi_1.weight`, [c.d_ff, c.d_model]);
    s.set(`${f}.DenseReluDense.wo.weight`, [c.d_model, c.d_ff]);
    s.set(`${f}.layer_norm.weight`, [c.d_model]);
  }
  s.set(FINAL_NORM, [c.d_model]);
  return s;
}

/** T5 weights in memory, or stored tensors read one at a time as the graph takes them. */
export type T5WeightMap = ReadonlyMap<string, Float32Array | TensorSource>;

/**
 * T5 weights as graph initializers, read when the graph is written (models/weights/table.ts). Matrices
 * (embedding, projections) take the graph's weight type; norm scales and the position bias stay float32.
 */
export class T5Weights extends InitializerTable {
  constructor(
    g: GraphBuilder,
    weights: T5WeightMap,
    shapes: ReadonlyMap<string, number[]>,
    dtype: FloatType = 'float32',
  ) {
    super(g, weights, shapes, dtype, (code, name, message) => new T5Error(code, name, message), {
      aliases: { [EMBEDDING]: EMBEDDING_ALIAS },
      dtypeOf: (name, dims) =>
        dtype === 'float16' && dims.length === 2 && name !== RELATIVE_BIAS ? 'float16' : 'float32',
    });
  }
}
