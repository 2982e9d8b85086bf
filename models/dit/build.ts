import { GraphBuilder } from '../onnx/graph.ts';
import { cast, type FloatType, scalar } from '../onnx/nn.ts';
import type { Weights } from '../weights/table.ts';
import { type BlockContext, ditBlock } from './block.ts';
import { condFramesFor, type DitConfig, ditDims, type FrameRange } from './config.ts';
import { broadcastBatch, cutFrames, embedTokens, spliceFrames, timeConditioning } from './embed.ts';
import { finalLayer, finalLayerNorm } from './final.ts';
import type { LoraParts } from './lora.ts';
import { ditWeightShapes, WeightTable } from './weights.ts';

export interface BuildDitOptions {
  /** The reference task_idx: 1-3 splice `cond_input` where dit_video_concat[_rgb].py does (condFramesFor). */
  task?: 0 | 1 | 2 | 3;
  /** Task 0 with `cond_input` (decomposition: the reference appends the condition). */
  conditioned?: boolean;
  /** Overrides the splice range (packs whose layer clips are not the released 4 latent frames). */
  condFrames?: FrameRange;
  /** Weight and compute type; graph inputs and output stay float32. */
  dtype?: FloatType;
  /** LoRA pairs to build (default both); a pair left out needs no weights and acts as strength 0. */
  lora?: Partial<LoraParts>;
}

/**
 * The LayerFlow DiT forward (reference dit_video_concat.py DiffusionTransformer.forward) as an ONNX graph.
 * Inputs: x [B, T, C, H, W], timesteps [B] (training step), context [B, text_length, text_hidden_size],
 * motion_scale [1] and content_scale [1] for the LoRA pairs the graph carries, and cond_input [B, Tc, C, H, W] when a splice range applies
 * (T + Tc = the config's latent frames). Output: out [B, T, C_out, H, W]. All float32.
 */
export function buildDit(config: DitConfig, weights: Weights, opts: BuildDitOptions = {}): GraphBuilder {
  const dtype = opts.dtype ?? 'float32';
  const { frames } = ditDims(config);
  const task = opts.task ?? 0;
  const range = opts.condFrames ?? (task || opts.conditioned ? condFramesFor(config, task) : undefined);
  const condCount = range ? range[1] - range[0] : 0;
  const g = new GraphBuilder('layerflow_dit');
  const latent = (n: number) => ['batch', n, config.in_channels, config.latent_height, config.latent_width];
  const toCompute = (v: string) => (dtype === 'float32' ? v : cast(g, v, dtype));

  const x = toCompute(g.input('x', 'float32', latent(frames - condCount)));
  const timesteps = g.input('timesteps', 'float32', ['batch']);
  const context = toCompute(g.input('context', 'float32', ['batch', config.text_length, config.text_hidden_size]));
  // The reference repeats a batch-1 condition to the CFG batch (forward(): cond_input.repeat(2, …)).
  const cond = () => broadcastBatch(g, toCompute(g.input('cond_input', 'float32', latent(condCount))), x);
  const video = range ? spliceFrames(g, x, cond(), range) : x;

  const w = new WeightTable(g, weights, ditWeightShapes(config), dtype);
  const { lora_alpha, motion_r, spatial_r } = config.lora;
  const parts = { motion: opts.lora?.motion ?? true, content: opts.lora?.content ?? true };
  // A LoRA pair left out has no strength input: the merged graph takes only x, timesteps, context (and cond).
  const strength = (input: string, rank: number) =>
    g.op('Mul', [toCompute(g.input(input, 'float32', [1])), scalar(g, lora_alpha / rank, dtype)]);
  const ctx: BlockContext = {
    g,
    w,
    c: config,
    dtype,
    cond: timeConditioning(g, w, config, timesteps, dtype),
    scales: {
      motion: parts.motion ? strength('motion_scale', motion_r) : '',
      content: parts.content === true ? strength('content_scale', spatial_r) : '',
    },
    parts,
  };
  let h = embedTokens(g, w, config, video, context, dtype);
  for (let i = 0; i < config.num_layers; i++) h = ditBlock(ctx, h, i, i < config.num_layers - 1);
  let out = finalLayer(ctx, config.use_final_layernorm ? finalLayerNorm(ctx, h.video) : h.video);
  if (range) out = cutFrames(g, out, range);
  if (dtype !== 'float32') out = cast(g, out, 'float32');
  g.output(
    out,
    'float32',
    ['batch', frames - condCount, config.out_channels, config.latent_height, config.latent_width],
    'out',
  );
  return g;
}
