import type { Task } from '../../../models/pack/schema.ts';
import { ditSampler } from '../../../nodes/layerflow/dit-sampler.ts';
import { emptyLatent } from '../../../nodes/layerflow/empty-latent.ts';
import { layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { textEncode } from '../../../nodes/layerflow/text-encode.ts';
import { vaeDecode } from '../../../nodes/layerflow/vae-decode.ts';
import { vaeEncode } from '../../../nodes/layerflow/vae-encode.ts';
import type { LayeredVideoValue } from '../../../nodes/layerflow/values.ts';
import { type Handles, runNode } from './harness.ts';

/** Pixel layers by name, (F, H, W, 3) in [0, 1]. */
export type Layers = Record<string, Float32Array>;

export interface TaskOptions {
  prompts: { foreground?: string; background?: string; blend?: string; negative?: string };
  seed: number;
  steps?: number;
  /** 0 = unguided (the conditional row only). */
  cfgScale?: number;
  /** Given layers by name in the model convention (fg over grey, the matte as grey levels). */
  given?: Layers;
}

/** Layer clips of a pack's size as a LayeredVideo value. */
export function layeredVideo(h: Handles, layers: Layers): LayeredVideoValue {
  const { size, framesPerLayer: frames, fps } = h.vae.pack.config;
  const clips = Object.fromEntries(
    Object.entries(layers).map(([name, data]) => [
      name,
      {
        frames,
        height: size.height,
        width: size.width,
        channels: 3 as const,
        fps,
        data: data as Float32Array<ArrayBuffer>,
      },
    ]),
  );
  return { layers: Object.keys(layers), clips };
}

/**
 * Runs `task` as a graph of the LayerFlow nodes would: Layer Prompts → Text Encode, Empty Layered Latent
 * or VAE Encode (given layers), DiT Sampler, VAE Decode. Returns each layer's pixels.
 */
export async function runTask(h: Handles, task: Task, o: TaskOptions): Promise<Layers> {
  const prompts = { foreground: '', background: '', blend: '', ...o.prompts };
  const { text } = await runNode(layerPrompts, {}, prompts);
  const { conditioning } = await runNode(textEncode, { textEncoder: h.textEncoder, text });
  const { latent } = o.given
    ? await runNode(vaeEncode, { vae: h.vae, layers: layeredVideo(h, o.given) }, { task: task as 'decompose' })
    : await runNode(emptyLatent, { model: h.model });
  const { latent: sampled } = await runNode(
    ditSampler,
    { model: h.model, conditioning, latent },
    { task, seed: o.seed, steps: o.steps ?? 12, ...(o.cfgScale === undefined ? {} : { cfgScale: o.cfgScale }) },
  );
  const { layers } = (await runNode(vaeDecode, { vae: h.vae, latent: sampled })) as { layers: LayeredVideoValue };
  return Object.fromEntries(Object.entries(layers.clips).map(([name, clip]) => [name, clip.data]));
}
