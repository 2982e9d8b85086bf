import { z } from 'zod';
import type { PortType } from '../../graph-engine/ports.ts';
import { defineNode } from '../../graph-engine/spec.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import { runSession } from '../../models/session/run.ts';
import { getSession } from '../../models/session/sessions.ts';
import { LayerflowError } from './errors.ts';
import { decoderLatents, layerClips } from './pixels.ts';
import { packFile } from './text-encode.ts';
import { handleOf, type LatentValue, type LayeredVideoValue, type PackHandle } from './values.ts';

/**
 * A latent sequence through the VAE decoder in one pass (÷ latentScale first, as reference
 * decode_first_stage): the decoder's raw output [3, F, H, W], nominally in [−1, 1] but not clamped.
 */
export async function decodeSequence(pack: ModelPack, latent: LatentValue): Promise<Float32Array> {
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
  const session = await getSession(packFile(pack, 'vaeDecoder').abs);
  const z = decoderLatents(latent.data, shape, c.latentScale);
  const { out } = await runSession(session, { z: { dims: [1, shape[1], shape[0], shape[2], shape[3]], data: z } });
  if (out.dims[2] !== layout.pixelFrames) {
    throw new LayerflowError(
      'shape-mismatch',
      `the VAE decoder gave ${out.dims[2]} frames for ${shape[0]} latent frames; the layout needs ${layout.pixelFrames}`,
    );
  }
  return out.data as Float32Array;
}

/** A decoded latent sequence split into one clip per layer in [0, 1]; the duplicated first frame, where the task has one, is dropped. */
export async function decodeLatent(pack: ModelPack, latent: LatentValue): Promise<LayeredVideoValue> {
  const { layout } = latent;
  return { layers: [...layout.layers], clips: layerClips(layout, await decodeSequence(pack, latent), latent.fps) };
}

export const vaeDecode = defineNode({
  type: 'layerflow.vae-decode',
  version: 1,
  category: 'LayerFlow',
  title: 'VAE Decode (layers)',
  docs:
    'Decodes a layered latent sequence with the pack VAE in one pass and splits it into one clip per ' +
    'layer (foreground over grey, [alpha matte], background, blend), dropping the duplicated first frame ' +
    'the RGBA conditioned tasks carry. Use Split Layers for straight-colour foreground and matte videos. ' +
    'The clips hold the decoder output mapped from [−1, 1] to [0, 1] and clamped, as floats; they become ' +
    '8-bit when saved: Save Video rounds to the nearest level, or truncates as the reference writes its ' +
    'mp4s (its `8-bit conversion`).',
  purity: 'pure',
  inputs: { vae: { type: { kind: 'VAE' } }, latent: { type: { kind: 'Latent' } } },
  outputs: { layers: { type: { kind: 'LayeredVideo' }, docs: 'One clip per layer, model convention.' } },
  params: z.object({}),
  infer(inputs) {
    const vae = inputs.vae;
    const layers: PortType = { kind: 'LayeredVideo' };
    const order = inputs.latent?.layers ?? vae?.layers;
    if (order) layers.layers = order;
    for (const f of ['frames', 'width', 'height'] as const) if (typeof vae?.[f] === 'number') layers[f] = vae[f];
    return { outputs: { layers } };
  },
  async run(inputs) {
    const { pack } = handleOf<PackHandle>(inputs.vae, 'vae');
    const latent = inputs.latent as LatentValue;
    return { layers: await decodeLatent(pack, latent) };
  },
});
