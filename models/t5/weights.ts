import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import { toHalf } from '../session/float16.ts';
import type { TensorSource } from '../weights/source.ts';
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
 * Adds T5 weights to a graph as named initializers on first use, checking presence and size. Matrices
 * (embedding, projections) take the graph's weight type; norm scales and the position bias stay float32.
 */
export class T5Weights {
  private readonly added = new Set<string>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly weights: T5WeightMap,
    private readonly shapes: ReadonlyMap<string, number[]>,
    private readonly dtype: FloatType = 'float32',
  ) {}

  get(name: string): string {
    if (this.added.has(name)) return name;
    const dims = this.shapes.get(name);
    if (!dims) throw new T5Error('missing-weight', name, `${name} is not a parameter of this T5 config`);
    const data = this.values(name, dims);
    if (this.dtype === 'float16' && dims.length === 2 && name !== RELATIVE_BIAS) {
      this.g.init(name, halfOf(name, data), dims, 'float16');
    } else {
      this.g.init(name, data, dims, 'float32');
    }
    this.added.add(name);
    return name;
  }

  private values(name: string, dims: number[]): Float32Array {
    const stored = this.weights.get(name) ?? (name === EMBEDDING ? this.weights.get(EMBEDDING_ALIAS) : undefined);
    if (!stored) throw new T5Error('missing-weight', name, `weight ${name} [${dims.join(', ')}] is missing`);
    if (stored instanceof Float32Array) {
      const count = dims.reduce((a, b) => a * b, 1);
      if (stored.length === count) return stored;
      throw new T5Error(
        'weight-shape',
        name,
        `weight ${name} has ${stored.length} values, [${dims.join(', ')}] needs ${count}`,
      );
    }
    if (stored.shape.join(',') !== dims.join(',')) {
      throw new T5Error(
        'weight-shape',
        name,
        `${stored.file}: ${stored.key} is [${stored.shape.join(', ')}], ${name} must be [${dims.join(', ')}]`,
      );
    }
    return stored.toFloat32();
  }
}

/** float16 bits of a weight, refusing values float16 cannot hold (they would become ±inf). */
function halfOf(name: string, data: Float32Array): Uint16Array {
  let max = 0;
  for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
  if (!(max <= 65504)) {
    throw new T5Error('weight-range', name, `weight ${name} holds ${max}, beyond float16's ±65504: use float32`);
  }
  return toHalf(data);
}
