import type { GraphBuilder } from '../onnx/graph.ts';
import { concat, linear, split, transpose } from '../onnx/nn.ts';
import type { DitConfig } from './config.ts';
import { LORA_PARTITIONS, type WeightTable } from './weights.ts';

/** Which LoRA pairs a graph carries; a pair left out contributes nothing and needs no weights. */
export interface LoraParts {
  motion: boolean;
  content: boolean;
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
): string {
  const target = name.slice(name.indexOf('attention.')) as keyof typeof LORA_PARTITIONS;
  if (!c.lora.targets.includes(target)) return linear(g, x, w.get(`${name}.weight`), w.get(`${name}.bias`));
  let y = linear(g, x, w.get(`${name}.original.weight`), w.get(`${name}.original.bias`));
  const partitions = LORA_PARTITIONS[target];
  if (parts.motion) y = g.op('Add', [y, g.op('Mul', [lowRank(g, w, x, name, 'A', 'B', partitions), scales.motion])]);
  if (parts.content) y = g.op('Add', [y, g.op('Mul', [lowRank(g, w, x, name, 'C', 'D', partitions), scales.content])]);
  return y;
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
