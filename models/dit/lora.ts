import type { GraphBuilder } from '../onnx/graph.ts';
import { cast, concat, type FloatType, linear, scalar, split, transpose } from '../onnx/nn.ts';
import type { DitConfig } from './config.ts';
import { LORA_PARTITIONS, type WeightTable } from './weights.ts';

/**
 * Which LoRA pairs a graph carries; a pair left out contributes nothing and needs no weights. The content
 * pair may instead be `folded`: merged into the weight at strength 1 by a subgraph of weights only, which
 * ONNX Runtime folds into one constant when it creates the session — the released setting at the cost of a
 * plain linear, with no merged copy of the weights on disk.
 */
export interface LoraParts {
  motion: boolean;
  content: boolean | 'folded';
}

/** Per-graph LoRA strengths, already multiplied by lora_alpha / rank (0-d values in the graph's dtype). */
export interface LoraScales {
  motion: string;
  content: string;
}

/**
 * A linear wrapped by the reference LoraLinear (lora.py, is_switch, stage 2):
 * W·x + b + motion_scale · cat_p(B_p·A_p·x)·α/r_m + content_scale · cat_p(D_p·C_p·x)·α/r_s,
 * one (A, B) and (C, D) pair per output partition p (q, k, v for query_key_value).
 */
export function loraLinear(
  g: GraphBuilder,
  w: WeightTable,
  c: DitConfig,
  x: string,
  name: string,
  scales: LoraScales,
  parts: LoraParts,
  dtype: FloatType,
): string {
  const target = name.slice(name.indexOf('attention.')) as keyof typeof LORA_PARTITIONS;
  if (!c.lora.targets.includes(target)) return linear(g, x, w.get(`${name}.weight`), w.get(`${name}.bias`));
  const partitions = LORA_PARTITIONS[target];
  const weight =
    parts.content === 'folded'
      ? foldedWeight(g, w, name, partitions, c.lora.lora_alpha / c.lora.spatial_r, dtype)
      : w.get(`${name}.original.weight`);
  let y = linear(g, x, weight, w.get(`${name}.original.bias`));
  if (parts.motion) y = g.op('Add', [y, g.op('Mul', [lowRank(g, w, x, name, 'A', 'B', partitions), scales.motion])]);
  if (parts.content === true) {
    y = g.op('Add', [y, g.op('Mul', [lowRank(g, w, x, name, 'C', 'D', partitions), scales.content])]);
  }
  return y;
}

/**
 * W + (α/r)·[D_0·C_0; D_1·C_1; …] (rows in partition order), the reference's content LoRA at strength 1
 * merged into the weight, in float32 and cast back to the graph's type. Every input is a weight, so ONNX
 * Runtime's constant folding computes it once at session creation.
 */
function foldedWeight(
  g: GraphBuilder,
  w: WeightTable,
  name: string,
  partitions: number,
  scale: number,
  dtype: FloatType,
): string {
  const f32 = (v: string) => (dtype === 'float32' ? v : cast(g, v, 'float32'));
  const products = Array.from({ length: partitions }, (_, p) =>
    g.op('MatMul', [f32(w.get(`${name}.matrix_D.${p}`)), f32(w.get(`${name}.matrix_C.${p}`))]),
  );
  const delta = g.op('Mul', [concat(g, products, 0), scalar(g, scale, 'float32')]);
  const merged = g.op('Add', [f32(w.get(`${name}.original.weight`)), delta]);
  return dtype === 'float32' ? merged : cast(g, merged, dtype);
}

/** cat_p(x·down_pᵀ·up_pᵀ): one MatMul into all partitions' ranks, then one per partition back out. */
function lowRank(
  g: GraphBuilder,
  w: WeightTable,
  x: string,
  name: string,
  down: string,
  up: string,
  partitions: number,
): string {
  const downs = Array.from({ length: partitions }, (_, p) => w.get(`${name}.matrix_${down}.${p}`));
  const h = g.op('MatMul', [x, transpose(g, concat(g, downs, 0), [1, 0])]);
  const rank = w.dims(downs[0])[0];
  const hs = partitions === 1 ? [h] : split(g, h, -1, Array(partitions).fill(rank));
  return concat(
    g,
    hs.map((hp, p) => linear(g, hp, w.get(`${name}.matrix_${up}.${p}`))),
    -1,
  );
}
