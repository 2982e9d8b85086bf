import type { PortType } from '../../graph-engine/ports.ts';
import type { Frames } from '../../media/frames.ts';
import type { ModelPack } from '../../models/pack/read.ts';
import type { Manifest, Task } from '../../models/pack/schema.ts';
import { LayerflowError } from './errors.ts';
import type { SequenceLayout } from './layout.ts';

/**
 * The values that flow between the LayerFlow nodes. Model, TextEncoder and VAE are handles: they hold
 * the opened pack (sessions are cached by file in models/session), never weights or sessions themselves.
 */

/** A pack's text encoder and tokenizer, or its VAE. */
export interface PackHandle {
  pack: ModelPack;
}

/** The pack's transformers with the LoRA strengths fed to their `motion_scale`/`content_scale` inputs. */
export interface ModelHandle extends PackHandle {
  /** Motion LoRA strength; 0 = removed, as the reference samples. */
  motionScale: number;
  /** Content ("spatial") LoRA strength; 1 = as trained. */
  contentScale: number;
}

/** A task's whole latent sequence [T, C, h, w] in the transformer's units (the VAE posterior's mean or a draw, × latentScale). */
export interface LatentValue {
  task: Task;
  layout: SequenceLayout;
  shape: [number, number, number, number];
  data: Float32Array;
  /** Latent frames [from, to) that hold the clean encoded given layers (absent: nothing given). */
  given?: [number, number];
  fps: number;
}

/** Encoded prompts, one [tokens, hidden] block per text layer, for the conditional and unconditional rows. */
export interface LayerConditioningValue {
  layers: string[];
  tokens: number;
  hidden: number;
  /** [layers, tokens, hidden]. */
  cond: Float32Array;
  /** [layers, tokens, hidden]; zeros when there is no negative prompt (reference force_uc_zero_embeddings). */
  uncond: Float32Array;
  uncondIsZero: boolean;
}

/** One clip per layer in the model's convention: the foreground over flat grey, the matte as a 3-channel clip. */
export interface LayeredVideoValue {
  layers: string[];
  clips: Record<string, Frames>;
}

/** The engine passes inputs as unknown; connected inputs of these kinds always hold these shapes. */
export function handleOf<T extends PackHandle>(value: unknown, input: string): T {
  const h = value as T | undefined;
  if (!h?.pack?.manifest) throw new LayerflowError('missing-input', `input "${input}" is not connected`, input);
  return h;
}

/** The port-type facts every pack handle carries: name, variant, layers, frames and size, compression. */
export function packTypeFields(manifest: Manifest): Omit<PortType, 'kind'> {
  const c = manifest.config;
  return {
    pack: manifest.name,
    packKind: manifest.kind,
    variant: manifest.variant,
    layers: [...c.layerOrder],
    frames: c.framesPerLayer,
    width: c.size.width,
    height: c.size.height,
    temporalCompression: c.temporalCompression,
    spatialCompression: c.spatialCompression,
  };
}
