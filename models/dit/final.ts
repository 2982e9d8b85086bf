import { layerNorm, reshape, transpose } from '../onnx/nn.ts';
import { type BlockContext, modulate, modulationChunks } from './block.ts';
import { ditDims } from './config.ts';
import { ditLinear, FINAL, FINAL_LN } from './weights.ts';

/**
 * SAT BaseTransformer's final_layernorm after the last block (use_final_layernorm), on the video tokens:
 * it normalises each token alone, and only the video tokens are read after it.
 */
export function finalLayerNorm(ctx: BlockContext, h: string): string {
  const { g, w, c } = ctx;
  return layerNorm(g, h, {
    width: c.hidden_size,
    eps: c.final_layernorm_eps,
    scale: w.optional(`${FINAL_LN}.weight`),
    bias: w.optional(`${FINAL_LN}.bias`),
    dtype: ctx.dtype,
  });
}

/**
 * Video tokens [B, video, D] → latent frames [B, F, C_out, H, W] (FinalLayerMixin.final_forward: adaLN shift then
 * scale, norm_final, linear to p·p·C channels, unpatchify "b (t h w) (c p q) -> b t c (h p) (w q)").
 */
export function finalLayer(ctx: BlockContext, video: string): string {
  const { g, w, c } = ctx;
  const { frames, gridH, gridW } = ditDims(c);
  const p = c.patch_size;
  const [shift, scale] = modulationChunks(ctx, `${FINAL}.adaLN_modulation.1`, 2);
  const normed = layerNorm(g, video, {
    width: c.hidden_size,
    eps: c.final_layer_norm_eps,
    scale: w.optional(`${FINAL}.norm_final.weight`),
    bias: w.optional(`${FINAL}.norm_final.bias`),
    dtype: ctx.dtype,
  });
  const y = ditLinear(g, w, modulate(ctx, normed, shift, scale), `${FINAL}.linear`, ditDims(c).videoTokens);
  const patches = reshape(g, y, [-1, frames, gridH, gridW, c.out_channels, p, p]);
  const image = transpose(g, patches, [0, 1, 4, 2, 5, 3, 6]);
  return reshape(g, image, [-1, frames, c.out_channels, gridH * p, gridW * p]);
}
