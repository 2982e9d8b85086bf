import type { GraphBuilder } from '../onnx/graph.ts';
import {
  cast,
  concat,
  type FloatType,
  floats,
  gemmLinear,
  layerNorm,
  reshape,
  silu,
  sliceAxis,
  transpose,
} from '../onnx/nn.ts';
import type { Tokens } from './block.ts';
import { type DitConfig, ditDims, type FrameRange } from './config.ts';
import { positionTable, textLayerIndices, timestepFrequencies } from './position.ts';
import { ditLinear, PATCH, POS, POS_TABLE, type WeightTable } from './weights.ts';

const END = Number.MAX_SAFE_INTEGER;

/** x [B, T, …] with cond [B, Tc, …] inserted at frame `range[0]` (reference forward(): task_idx splicing). */
export function spliceFrames(g: GraphBuilder, x: string, cond: string, range: FrameRange): string {
  const parts = [cond];
  if (range[0] > 0) parts.unshift(sliceAxis(g, x, 1, 0, range[0]));
  parts.push(sliceAxis(g, x, 1, range[0], END));
  return concat(g, parts, 1);
}

/** out [B, F, …] without the frames in `range` (reference forward(): the cond frames cut from the output). */
export function cutFrames(g: GraphBuilder, out: string, range: FrameRange): string {
  const parts = [sliceAxis(g, out, 1, range[1], END)];
  if (range[0] > 0) parts.unshift(sliceAxis(g, out, 1, 0, range[0]));
  return concat(g, parts, 1);
}

/** `cond` [1 or B, …] expanded to x's batch B (Expand broadcasts a batch of 1, keeps a batch of B). */
export function broadcastBatch(g: GraphBuilder, cond: string, x: string): string {
  const batch = g.op('Slice', [g.op('Shape', [x]), g.ints([0]), g.ints([1])]);
  const rest = g.op('Slice', [g.op('Shape', [cond]), g.ints([1]), g.ints([END])]);
  return g.op('Expand', [cond, concat(g, [batch, rest], 0)]);
}

/**
 * Text tokens [B, text, D] and video tokens [B, F·gh·gw, D] with positions added, as the two streams the
 * blocks keep apart (ImagePatchEmbeddingMixin_layer: per-frame Conv2d patches in (t, h, w) order,
 * text_proj on the T5 features; Basic3DPositionEmbeddingMixin).
 */
export function embedTokens(
  g: GraphBuilder,
  w: WeightTable,
  c: DitConfig,
  video: string,
  context: string,
  dtype: FloatType,
): Tokens {
  const { frames, gridH, gridW, hidden } = ditDims(c);
  const p = c.patch_size;
  // The stride-p Conv2d as a GEMM over patches: each token's C·p·p inputs gathered in the Conv weight's
  // (c, kh, kw) order. ONNX Runtime's Conv reordered its output from NCHWc blocks at several times the
  // GEMM's own cost; the input is small (latents), so the gather is cheap.
  const split = reshape(g, video, [-1, frames, c.in_channels, gridH, p, gridW, p]);
  const gathered = transpose(g, split, [0, 1, 3, 5, 2, 4, 6]);
  const patchWidth = c.in_channels * p * p;
  const kernel = reshape(g, w.get(`${PATCH}.proj.weight`), [hidden, patchWidth]);
  const videoTokens = gemmLinear(g, gathered, kernel, w.get(`${PATCH}.proj.bias`), {
    in: patchWidth,
    out: hidden,
    tokens: frames * gridH * gridW,
  });
  const text = ditLinear(g, w, context, `${PATCH}.text_proj`, c.text_length);
  const pos = positions(g, w, c, dtype);
  return { text: g.op('Add', [text, pos.text]), video: g.op('Add', [videoTokens, pos.video]) };
}

/**
 * [text, D] and [video, D]: the first text + video rows of the position table (the checkpoint's `pos_embedding`,
 * which may hold more frames than a call uses, else recomputed), plus the layer embedding on the text rows
 * where the DiT has a layer embedder: txt_embedder = Linear(1→D) then nn.LayerNorm of each token's prompt
 * index (Basic3DPositionEmbeddingMixin.position_embedding_forward). As the reference, a one-frame
 * sequence gets no layer embedding.
 */
function positions(g: GraphBuilder, w: WeightTable, c: DitConfig, dtype: FloatType): Tokens {
  const { frames, posFrames, gridH, gridW, hidden } = ditDims(c);
  const rows = c.text_length + frames * gridH * gridW;
  const stored = w.supplied(POS_TABLE)
    ? w.get(POS_TABLE)
    : floats(g, positionTable(c), [1, c.text_length + posFrames * gridH * gridW, hidden], dtype);
  const table = reshape(g, stored, [-1, hidden]);
  const text = sliceAxis(g, table, 0, 0, c.text_length);
  const video = sliceAxis(g, table, 0, c.text_length, rows);
  if (frames === 1 || !c.learnable_txt_embed) return { text, video };
  const index = floats(g, textLayerIndices(c), [c.text_length, 1], dtype);
  const projected = ditLinear(g, w, index, `${POS}.txt_embedder.0`);
  const layer = layerNorm(g, projected, {
    width: hidden,
    eps: c.txt_embedder_layernorm_eps,
    scale: w.get(`${POS}.txt_embedder.1.weight`),
    bias: w.get(`${POS}.txt_embedder.1.bias`),
    dtype,
  });
  return { text: g.op('Add', [text, layer]), video };
}

/**
 * SiLU(time_embed(sinusoid(t))) [B, time_embed_dim]: the conditioning every adaLN modulation reads
 * (each applies SiLU first, so it is computed once). The sinusoid is [cos | sin] over hidden_size
 * channels in float32, then cast to the graph's type, as the reference.
 */
export function timeConditioning(
  g: GraphBuilder,
  w: WeightTable,
  c: DitConfig,
  timesteps: string,
  dtype: FloatType,
): string {
  const freqs = timestepFrequencies(c.hidden_size);
  const args = g.op('Mul', [g.op('Unsqueeze', [timesteps, g.ints([1])]), g.const(freqs, [1, freqs.length])]);
  let emb = concat(g, [g.op('Cos', [args]), g.op('Sin', [args])], 1);
  if (dtype !== 'float32') emb = cast(g, emb, dtype);
  const hidden = silu(g, ditLinear(g, w, emb, 'time_embed.0'));
  return silu(g, ditLinear(g, w, hidden, 'time_embed.2'));
}
