import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import { runSession, type Tensor } from '../../models/session/run.ts';
import { useSession } from '../../models/session/sessions.ts';
import { carryFeeds } from '../../models/vae/carry-feeds.ts';
import { LayerflowError } from './errors.ts';
import { decoderLatents, layerClips } from './pixels.ts';
import { packFile } from './text-encode.ts';
import { ChunkFramesParam, decodePasses } from './vae-passes.ts';
import { handleOf, type LatentValue, type LayeredVideoValue, type PackHandle } from './values.ts';

export interface DecodeOptions {
  /** Pixel frames per decoder pass (about; see decodePasses); 0 (default) = one pass, as the reference. */
  chunkFrames?: number;
  signal?: AbortSignal;
}

/**
 * A latent sequence through the VAE decoder (÷ latentScale first, as reference decode_first_stage): the
 * decoder's raw output [3, F, H, W], nominally in [−1, 1] but not clamped. In one pass by default; in
 * passes with `chunkFrames`, each continuing the previous one's causal convolutions (vae-passes.ts).
 */
export async function decodeSequence(
  pack: ModelPack,
  latent: LatentValue,
  options: DecodeOptions = {},
): Promise<Float32Array> {
  const { layout, shape } = latent;
  const c = pack.config;
  const want = [
    layout.latentFrames,
    c.latentChannels,
    c.size.height / c.spatialCompression,
    c.size.width / c.spatialCompression,
  ];
  if (shape.join(',') !== want.join(',')) {
    throw new LayerflowError(
      'pack-mismatch',
      `the latent is [${shape.join(', ')}] but this VAE's pack works on [${want.join(', ')}]`,
      'latent',
    );
  }
  return useSession(packFile(pack, 'vaeDecoder').abs, async (session) => {
    const z = decoderLatents(latent.data, shape, c.latentScale);
    const [T, C, h, w] = shape;
    const F = layout.pixelFrames;
    const passes = decodePasses(T, layout.temporalCompression, options.chunkFrames ?? 0, F % 2 === 1);
    const carries = session.ort.inputNames.includes('carry');
    if (passes.length > 1 && !carries && pack.manifest.kind !== 'demo') {
      throw new LayerflowError(
        'bad-pack',
        "this pack's VAE decoder cannot decode in passes (it was made before they existed): import the pack again, or set chunk frames to 0",
        'chunkFrames',
      );
    }
    let out: Float32Array | undefined;
    let previous: Record<string, Tensor> | undefined;
    let done = 0;
    for (const [a, b] of passes) {
      options.signal?.throwIfAborted();
      const part = { dims: [1, C, b - a, h, w], data: framesOf(z, [C, T, h * w], a, b) };
      const result = await runSession(session, { z: part, ...carryFeeds(session.ort.inputNames, previous) });
      const pass = result.out;
      const [, channels, f, H, W] = pass.dims;
      if (done + f > F) throw framesError(done + f, T, F);
      out ??= new Float32Array(channels * F * H * W);
      for (let ch = 0; ch < channels; ch++) {
        out.set((pass.data as Float32Array).subarray(ch * f * H * W, (ch + 1) * f * H * W), (ch * F + done) * H * W);
      }
      done += f;
      previous = result;
    }
    if (done !== F || !out) throw framesError(done, T, F);
    return out;
  });
}

/** Frames [a, b) of a planar [C, T, hw] tensor (the tensor itself when that is all of it). */
function framesOf(x: Float32Array, [C, T, hw]: number[], a: number, b: number): Float32Array {
  if (a === 0 && b === T) return x;
  const out = new Float32Array(C * (b - a) * hw);
  for (let c = 0; c < C; c++) out.set(x.subarray((c * T + a) * hw, (c * T + b) * hw), c * (b - a) * hw);
  return out;
}

function framesError(frames: number, latents: number, want: number): LayerflowError {
  const msg = `the VAE decoder gave ${frames} frames for ${latents} latent frames; the layout needs ${want}`;
  return new LayerflowError('shape-mismatch', msg);
}

/** A decoded latent sequence split into one clip per layer in [0, 1]; the duplicated first frame, where the task has one, is dropped. */
export async function decodeLatent(
  pack: ModelPack,
  latent: LatentValue,
  options: DecodeOptions = {},
): Promise<LayeredVideoValue> {
  const { layout } = latent;
  const clips = layerClips(layout, await decodeSequence(pack, latent, options), latent.fps);
  return { layers: [...layout.layers], clips };
}

export const vaeDecode = defineNode({
  type: 'layerflow.vae-decode',
  version: 1,
  category: 'LayerFlow',
  title: 'VAE Decode (layers)',
  docs:
    'Decodes a layered latent sequence with the pack VAE and splits it into one clip per ' +
    'layer (foreground over grey, [alpha matte], background, blend), dropping the duplicated first frame ' +
    'the RGBA conditioned tasks carry. Use Split Layers for straight-colour foreground and matte videos. ' +
    'The clips hold the decoder output mapped from [−1, 1] to [0, 1] and clamped, as floats; they become ' +
    '8-bit when saved: Save Video rounds to the nearest level, or truncates as the reference writes its ' +
    'mp4s (its `8-bit conversion`).\n\n' +
    '`chunk frames` bounds memory: the decoder works on about that many output frames at a time instead ' +
    'of the whole sequence (8: three latent frames first when the count is odd, then pairs, as the ' +
    "reference's sample_video.py). Each pass carries its causal convolutions' last frames into the next, so " +
    'frames join without seams, but each pass takes its own GroupNorm statistics, so the result only ' +
    'approximates one pass (0 = one pass, as the released pipeline decodes; the default).',
  purity: 'pure',
  inputs: { vae: { type: { kind: 'VAE' } }, latent: { type: { kind: 'Latent' } } },
  outputs: { layers: { type: { kind: 'LayeredVideo' }, docs: 'One clip per layer, model convention.' } },
  params: z.object({
    chunkFrames: ChunkFramesParam,
  }),
  infer(inputs) {
    const vae = inputs.vae;
    const layers: PortType = { kind: 'LayeredVideo' };
    const order = inputs.latent?.layers ?? vae?.layers;
    if (order) layers.layers = order;
    for (const f of ['frames', 'width', 'height'] as const) if (typeof vae?.[f] === 'number') layers[f] = vae[f];
    return { outputs: { layers } };
  },
  async run(inputs, params, ctx) {
    const { pack } = handleOf<PackHandle>(inputs.vae, 'vae');
    const latent = inputs.latent as LatentValue;
    return { layers: await decodeLatent(pack, latent, { chunkFrames: params.chunkFrames, signal: ctx.signal }) };
  },
});
