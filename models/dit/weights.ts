import type { GraphBuilder } from '../onnx/graph.ts';
import type { FloatType } from '../onnx/nn.ts';
import { InitializerTable, type Weights } from '../weights/table.ts';
import { type DitConfig, ditDims } from './config.ts';
import { DitError } from './errors.ts';

/** Reference parameter-name prefixes (dit_video_concat.py mixins, sat BaseTransformer, lora.py LoraLinear). */
export const layerPrefix = (i: number) => `transformer.layers.${i}`;
export const ADALN = 'mixins.adaln_layer';
export const POS = 'mixins.pos_embed';
export const PATCH = 'mixins.patch_embed';
export const FINAL = 'mixins.final_layer';
export const FINAL_LN = 'transformer.final_layernorm';

/** q, k, v are three LoRA partitions of query_key_value (sat SelfAttention stride 3); dense is one. */
export const LORA_PARTITIONS = { 'attention.query_key_value': 3, 'attention.dense': 1 } as const;

/**
 * The reference's position table [1, text + video tokens, D]: a fixed buffer built at construction (text
 * rows zero, video rows 3D sin-cos) but stored in the state dict, so checkpoints carry it. buildDit uses
 * the supplied one, else recomputes it (models/dit/position.ts positionTable).
 */
export const POS_TABLE = 'mixins.pos_embed.pos_embedding';

/** Every parameter of the DiT under the reference's names, with its shape. */
export function ditWeightShapes(c: DitConfig): Map<string, number[]> {
  const { hidden: d, headDim } = ditDims(c);
  const t = c.time_embed_dim;
  const shapes = new Map<string, number[]>();
  const linear = (name: string, out: number, inp: number) => {
    shapes.set(`${name}.weight`, [out, inp]);
    shapes.set(`${name}.bias`, [out]);
  };
  const norm = (name: string, width: number) => {
    if (!c.elementwise_affine) return;
    shapes.set(`${name}.weight`, [width]);
    shapes.set(`${name}.bias`, [width]);
  };
  const { posFrames, gridH, gridW } = ditDims(c);
  linear('time_embed.0', t, d);
  linear('time_embed.2', t, t);
  if (c.learnable_txt_embed) {
    linear(`${POS}.txt_embedder.0`, d, 1);
    // nn.LayerNorm in the reference's txt_embedder always has affine parameters.
    shapes.set(`${POS}.txt_embedder.1.weight`, [d]);
    shapes.set(`${POS}.txt_embedder.1.bias`, [d]);
  }
  shapes.set(POS_TABLE, [1, c.text_length + posFrames * gridH * gridW, d]);
  shapes.set(`${PATCH}.proj.weight`, [d, c.in_channels, c.patch_size, c.patch_size]);
  shapes.set(`${PATCH}.proj.bias`, [d]);
  linear(`${PATCH}.text_proj`, d, c.text_hidden_size);
  for (let i = 0; i < c.num_layers; i++) {
    const l = layerPrefix(i);
    linear(`${ADALN}.adaLN_modulations.${i}.1`, 12 * d, t);
    if (c.qk_ln) {
      norm(`${ADALN}.query_layernorm_list.${i}`, headDim);
      norm(`${ADALN}.key_layernorm_list.${i}`, headDim);
    }
    norm(`${l}.input_layernorm`, d);
    norm(`${l}.post_attention_layernorm`, d);
    loraLinearShapes(c, shapes, `${l}.attention.query_key_value`, 3 * d, d);
    loraLinearShapes(c, shapes, `${l}.attention.dense`, d, d);
    linear(`${l}.mlp.dense_h_to_4h`, 4 * d, d);
    linear(`${l}.mlp.dense_4h_to_h`, d, 4 * d);
  }
  if (c.use_final_layernorm) norm(FINAL_LN, d);
  norm(`${FINAL}.norm_final`, d);
  linear(`${FINAL}.linear`, c.patch_size * c.patch_size * c.out_channels, d);
  linear(`${FINAL}.adaLN_modulation.1`, 2 * d, t);
  return shapes;
}

/** A linear the LoRA mixin wraps: `original.*` plus motion (A, B) and content (C, D) pairs per partition. */
function loraLinearShapes(c: DitConfig, shapes: Map<string, number[]>, name: string, out: number, inp: number) {
  const target = name.slice(name.indexOf('attention.')) as keyof typeof LORA_PARTITIONS;
  if (!c.lora.targets.includes(target)) {
    shapes.set(`${name}.weight`, [out, inp]);
    shapes.set(`${name}.bias`, [out]);
    return;
  }
  shapes.set(`${name}.original.weight`, [out, inp]);
  shapes.set(`${name}.original.bias`, [out]);
  const parts = LORA_PARTITIONS[target];
  for (let p = 0; p < parts; p++) {
    shapes.set(`${name}.matrix_A.${p}`, [c.lora.motion_r, inp]);
    shapes.set(`${name}.matrix_B.${p}`, [out / parts, c.lora.motion_r]);
    shapes.set(`${name}.matrix_C.${p}`, [c.lora.spatial_r, inp]);
    shapes.set(`${name}.matrix_D.${p}`, [out / parts, c.lora.spatial_r]);
  }
}

/** The DiT's weights as graph initializers, with errors naming the weight (models/weights/table.ts). */
export class WeightTable extends InitializerTable {
  constructor(g: GraphBuilder, weights: Weights, shapes: Map<string, number[]>, dtype: FloatType) {
    super(g, weights, shapes, dtype, (code, name, message) => new DitError(code, name, message));
  }
}
