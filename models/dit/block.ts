import type { GraphBuilder } from '../onnx/graph.ts';
import {
  attention,
  concat,
  type FloatType,
  geluTanh,
  layerNorm,
  linear,
  reshape,
  scalar,
  sliceAxis,
  split,
} from '../onnx/nn.ts';
import { type DitConfig, ditDims } from './config.ts';
import { type LoraParts, type LoraScales, loraLinear } from './lora.ts';
import { ADALN, layerPrefix, type WeightTable } from './weights.ts';

/** What every block reads besides its input. */
export interface BlockContext {
  g: GraphBuilder;
  w: WeightTable;
  c: DitConfig;
  dtype: FloatType;
  /** SiLU(time embedding) [B, time_embed_dim]. */
  cond: string;
  scales: LoraScales;
  parts: LoraParts;
}

/** The adaLN modulation's chunk order (AdaLNMixin.layer_forward): video six, then text six. */
const CHUNKS = [
  'shiftMsa',
  'scaleMsa',
  'gateMsa',
  'shiftMlp',
  'scaleMlp',
  'gateMlp',
  'textShiftMsa',
  'textScaleMsa',
  'textGateMsa',
  'textShiftMlp',
  'textScaleMlp',
  'textGateMlp',
] as const;
type Modulation = Record<(typeof CHUNKS)[number], string>;

/** Linear(cond) split into `n` [B, 1, D] chunks, in the reference's chunk(n, dim=1) order. */
export function modulationChunks(ctx: BlockContext, name: string, n: number): string[] {
  const { g, w, c } = ctx;
  const m = linear(g, ctx.cond, w.get(`${name}.weight`), w.get(`${name}.bias`));
  return split(g, reshape(g, m, [-1, n, c.hidden_size]), 1, Array(n).fill(1));
}

/** x·(1 + scale) + shift with [B, 1, D] modulation (reference modulate()). */
export function modulate(ctx: BlockContext, x: string, shift: string, scale: string): string {
  const { g } = ctx;
  const onePlus = g.op('Add', [scale, scalar(g, 1, ctx.dtype)]);
  return g.op('Add', [g.op('Mul', [x, onePlus]), shift]);
}

/** Applies `f(part, 'text' | 'video')` to the text and the video tokens separately and rejoins them. */
function perStream(ctx: BlockContext, x: string, f: (part: string, stream: 'text' | 'video') => string): string {
  const { g, c } = ctx;
  const text = sliceAxis(g, x, 1, 0, c.text_length);
  const video = sliceAxis(g, x, 1, c.text_length, Number.MAX_SAFE_INTEGER);
  return concat(g, [f(text, 'text'), f(video, 'video')], 1);
}

/** One transformer layer with adaLN on separate text and video modulations (AdaLNMixin.layer_forward). */
export function ditBlock(ctx: BlockContext, h: string, i: number): string {
  const { g, w, c } = ctx;
  const l = layerPrefix(i);
  const chunks = modulationChunks(ctx, `${ADALN}.adaLN_modulations.${i}.1`, 12);
  const m = Object.fromEntries(CHUNKS.map((k, j) => [k, chunks[j]])) as Modulation;
  const norm = (x: string, name: string) =>
    layerNorm(g, x, {
      width: c.hidden_size,
      eps: c.layernorm_eps,
      scale: w.optional(`${name}.weight`),
      bias: w.optional(`${name}.bias`),
      dtype: ctx.dtype,
    });
  const gated = (x: string, y: string, textGate: string, videoGate: string) =>
    g.op('Add', [x, perStream(ctx, y, (part, s) => g.op('Mul', [part, s === 'text' ? textGate : videoGate]))]);

  const attnIn = perStream(ctx, norm(h, `${l}.input_layernorm`), (part, s) =>
    s === 'text' ? modulate(ctx, part, m.textShiftMsa, m.textScaleMsa) : modulate(ctx, part, m.shiftMsa, m.scaleMsa),
  );
  h = gated(h, selfAttention(ctx, attnIn, i), m.textGateMsa, m.gateMsa);
  const mlpIn = perStream(ctx, norm(h, `${l}.post_attention_layernorm`), (part, s) =>
    s === 'text' ? modulate(ctx, part, m.textShiftMlp, m.textScaleMlp) : modulate(ctx, part, m.shiftMlp, m.scaleMlp),
  );
  const up = geluTanh(
    g,
    linear(g, mlpIn, w.get(`${l}.mlp.dense_h_to_4h.weight`), w.get(`${l}.mlp.dense_h_to_4h.bias`)),
  );
  const mlp = linear(g, up, w.get(`${l}.mlp.dense_4h_to_h.weight`), w.get(`${l}.mlp.dense_4h_to_h.bias`));
  return gated(h, mlp, m.textGateMlp, m.gateMlp);
}

/**
 * Full self-attention over text + video (sat attention_forward_default with AdaLNMixin.attention_fn):
 * query_key_value split into contiguous q, k, v thirds, per-head LayerNorm on q and k, fused attention.
 */
function selfAttention(ctx: BlockContext, x: string, i: number): string {
  const { g, w, c } = ctx;
  const { hidden, heads, headDim } = ditDims(c);
  const l = layerPrefix(i);
  const qkv = loraLinear(g, w, c, x, `${l}.attention.query_key_value`, ctx.scales, ctx.parts, ctx.dtype);
  let [q, k, v] = split(g, qkv, -1, [hidden, hidden, hidden]);
  if (c.qk_ln) {
    const headNorm = (y: string, list: string) => {
      const perHead = reshape(g, y, [0, 0, heads, headDim]);
      const normed = layerNorm(g, perHead, {
        width: headDim,
        eps: c.qk_layernorm_eps,
        scale: w.optional(`${ADALN}.${list}.${i}.weight`),
        bias: w.optional(`${ADALN}.${list}.${i}.bias`),
        dtype: ctx.dtype,
      });
      return reshape(g, normed, [0, 0, hidden]);
    };
    q = headNorm(q, 'query_layernorm_list');
    k = headNorm(k, 'key_layernorm_list');
  }
  return loraLinear(g, w, c, attention(g, q, k, v, heads), `${l}.attention.dense`, ctx.scales, ctx.parts, ctx.dtype);
}
