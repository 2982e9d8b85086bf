import { GraphBuilder } from '../onnx/graph.ts';
import { latentChannels } from './latent-layout.ts';

/**
 * Log-variance the demo encoder reports: the posterior is a point (std e^-15), so a node that samples
 * from the moments gets the mean back to float32 rounding.
 */
const POINT_LOGVAR = -30;

/** `shape` of value `v` with dims 3 and 4 divided (encoder) or multiplied (decoder) by `s`, split out. */
function dims(g: GraphBuilder, v: string): string[] {
  const shape = g.op('Shape', [v]);
  return [0, 1, 2, 3, 4].map((i) => g.op('Slice', [shape, g.ints([i]), g.ints([i + 1])]));
}

/**
 * VAE encoder: `x` [B, 3, F, H, W] in [-1, 1] → `moments` [B, 2·3s², F, H/s, W/s] (mean, then
 * log-variance, as the CogVideoX encoder), the mean being the exact space-to-depth of the pixels.
 */
export function buildDemoVaeEncoder(spatial: number): Uint8Array {
  const g = new GraphBuilder('demo_vae_encoder');
  const x = g.input('x', 'float32', ['batch', 3, 'frames', 'height', 'width']);
  const [b, c, f, hh, ww] = dims(g, x);
  const s = g.ints([spatial]);
  const h = g.op('Div', [hh, s]);
  const w = g.op('Div', [ww, s]);
  const split = g.op('Reshape', [x, g.op('Concat', [b, c, f, h, s, w, s], { axis: 0 })]);
  const moved = g.op('Transpose', [split], { perm: [0, 1, 4, 6, 2, 3, 5] });
  const mean = g.op('Reshape', [moved, g.op('Concat', [b, g.ints([latentChannels(spatial)]), f, h, w], { axis: 0 })]);
  const logvar = g.op('Add', [g.op('Mul', [mean, g.const([0])]), g.const([POINT_LOGVAR])]);
  const moments = g.op('Concat', [mean, logvar], { axis: 1 });
  g.output(moments, 'float32', ['batch', 2 * latentChannels(spatial), 'frames', 'h', 'w'], 'moments');
  return g.serialize().model;
}

/** VAE decoder: `z` [B, 3s², F, h, w] → `out` [B, 3, F, h·s, w·s], the exact inverse of the encoder's mean. */
export function buildDemoVaeDecoder(spatial: number): Uint8Array {
  const g = new GraphBuilder('demo_vae_decoder');
  const z = g.input('z', 'float32', ['batch', latentChannels(spatial), 'frames', 'h', 'w']);
  const [b, , f, h, w] = dims(g, z);
  const s = g.ints([spatial]);
  const split = g.op('Reshape', [z, g.op('Concat', [b, g.ints([3]), s, s, f, h, w], { axis: 0 })]);
  const moved = g.op('Transpose', [split], { perm: [0, 1, 4, 5, 2, 6, 3] });
  const size = [g.op('Mul', [h, s]), g.op('Mul', [w, s])];
  const out = g.op('Reshape', [moved, g.op('Concat', [b, g.ints([3]), f, ...size], { axis: 0 })]);
  g.output(out, 'float32', ['batch', 3, 'frames', 'height', 'width'], 'out');
  return g.serialize().model;
}
