import type { GraphBuilder } from '../onnx/graph.ts';
import { attention, concat, type FloatType, geluTanh, layerNorm, reshape, scalar, split } from '../onnx/nn.ts';
import { type DitConfig, ditDims } from './config.ts';
import { type LoraParts, type LoraScales, loraLinear } from './lora.ts';
import { ADALN, ditLinear, layerPrefix, type WeightTable } from './weights.ts';

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
  const m = ditLinear(g, w, ctx.cond, name);
  return split(g, reshape(g, m, [-1, n, c.hidden_size]), 1, Array(n).fill(1));
}

/** x·(1 + scale) + shift with [B, 1, D] modulation (reference modulate()). */
export function modulate(ctx: BlockContext, x: string, shift: string, scale: string): string {
  const { g } = ctx;
  const onePlus = g.op('Add', [scale, scalar(g, 1, ctx.dtype)]);
  return g.op('Add', [g.op('Mul', [x, onePlus]), shift]);
}

/**
 * The sequence as its two streams, text tokens [B, text_length, D] and video tokens [B, video, D]. They
 * are kept apart everywhere but inside attention: norms, modulation, gates and the MLP act on each token
 * alone, so splitting the sequence around each of them (and joining it again) only copied it.
 */
export interface Tokens {
  text: string;
  video: string;
}
type Stream = keyof Tokens;

function perStream(h: Tokens, f: (x: string, stream: Stream) => string): Tokens {
  return { text: f(h.text, 'text'), video: f(h.video, 'video') };
}

/**
 * One transformer layer with adaLN on separate text and video modulations (AdaLNMixin.layer_forward).
 * `textOut` false: the text tokens' MLP is left out (after the last layer only video tokens are read).
 */
export function ditBlock(ctx: BlockContext, h: Tokens, i: number, textOut = true): Tokens {
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
  const { videoTokens } = ditDims(c);

  const attnIn = perStream(h, (x, s) => {
    const normed = norm(x, `${l}.input_layernorm`);
    return s === 'text'
      ? modulate(ctx, normed, m.textShiftMsa, m.textScaleMsa)
      : modulate(ctx, normed, m.shiftMsa, m.scaleMsa);
  });
  const attn = selfAttention(ctx, attnIn, i);
  const gates = { text: m.textGateMsa, video: m.gateMsa };
  const mid = perStream(h, (x, s) => g.op('Add', [x, g.op('Mul', [attn[s], gates[s]])]));
  const mlp = (x: string, s: Stream) => {
    const normed = norm(x, `${l}.post_attention_layernorm`);
    const input =
      s === 'text'
        ? modulate(ctx, normed, m.textShiftMlp, m.textScaleMlp)
        : modulate(ctx, normed, m.shiftMlp, m.scaleMlp);
    const tokens = s === 'text' ? c.text_length : videoTokens;
    const up = geluTanh(g, ditLinear(g, w, input, `${l}.mlp.dense_h_to_4h`, tokens));
    const out = ditLinear(g, w, up, `${l}.mlp.dense_4h_to_h`, tokens);
    return g.op('Add', [x, g.op('Mul', [out, s === 'text' ? m.textGateMlp : m.gateMlp])]);
  };
  return { text: textOut ? mlp(mid.text, 'text') : mid.text, video: mlp(mid.video, 'video') };
}

/**
 * Full self-attention over text + video (sat attention_forward_default with AdaLNMixin.attention_fn),
 * the only place the two streams meet:
 * query_key_value split into contiguous q, k, v thirds, per-head LayerNorm on q and k, fused attention.
 */
function selfAttention(ctx: BlockContext, h: Tokens, i: number): Tokens {
  const { g, w, c } = ctx;
  const { hidden, heads, headDim, videoTokens } = ditDims(c);
  const l = layerPrefix(i);
  const qkv = loraLinear(ctx, concat(g, [h.text, h.video], 1), `${l}.attention.query_key_value`);
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
  const out = loraLinear(ctx, attention(g, q, k, v, heads), `${l}.attention.dense`);
  const [text, video] = split(g, out, 1, [c.text_length, videoTokens]);
  return { text, video };
}
