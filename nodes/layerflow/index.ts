import type { NodeSpec } from '../../graph-engine/spec.ts';
import { contentLora } from './content-lora.ts';
import { decompose } from './decompose.ts';
import { demoClipNode } from './demo-clip.ts';
import { ditSampler } from './dit-sampler.ts';
import { emptyLatent } from './empty-latent.ts';
import { layerPrompts } from './layer-prompts.ts';
import { loadPack } from './load-pack.ts';
import { mergeLayersNode } from './merge-layers.ts';
import { motionLora } from './motion-lora.ts';
import { splitLayersNode } from './split-layers.ts';
import { textEncode } from './text-encode.ts';
import { vaeDecode } from './vae-decode.ts';
import { vaeEncode } from './vae-encode.ts';

export { expandMacro, layerflowMacros } from './macros.ts';

/** The LayerFlow node pack: prompts, model pack handles, sampler, VAE, layers, decomposer. */
export const layerflowNodes: NodeSpec[] = [
  loadPack,
  layerPrompts,
  textEncode,
  motionLora,
  contentLora,
  emptyLatent,
  ditSampler,
  vaeEncode,
  vaeDecode,
  splitLayersNode,
  mergeLayersNode,
  decompose,
  demoClipNode,
] as unknown as NodeSpec[];
