import type { NodeSpec } from '../../graph-engine/spec.ts';
import { layerPrompts } from './layer-prompts.ts';

/** The LayerFlow node pack: prompts, model pack handles, sampler, VAE, layers, decomposer. */
export const layerflowNodes: NodeSpec[] = [layerPrompts as unknown as NodeSpec];
