import type { Manifest } from '../pack/schema.ts';
import { type ManifestDraft, writePack } from '../pack/write.ts';
import { TASKS, TINY_SEED, tinyPackConfig } from './config.ts';
import { ditFiles } from './dit-files.ts';
import type { PartFiles } from './part-files.ts';
import { textFiles } from './text-files.ts';
import { vaeFiles } from './vae-files.ts';

/**
 * Generates a tiny pack into `dir`: the real architectures at tiny sizes with deterministic random
 * weights (same seed → same bytes). Holds every role a LayerFlow pack has: the T5 text encoder and its
 * SentencePiece tokenizer, the causal 3D VAE's encoder and decoder, the DiT per task, the layer
 * embedder and the LoRA sets.
 */
export async function buildTinyPack(variant: 'rgb' | 'rgba', dir: string, seed = TINY_SEED): Promise<Manifest> {
  const config = tinyPackConfig(variant);
  const parts = [textFiles(config, seed), vaeFiles(config, seed), ditFiles(config, TASKS, seed)];
  const all: PartFiles = { roles: {}, contents: {} };
  for (const part of parts) {
    Object.assign(all.roles, part.roles);
    Object.assign(all.contents, part.contents);
  }
  const draft: ManifestDraft = {
    format: 'layerflow-pack',
    formatVersion: 1,
    kind: 'tiny',
    variant,
    name: `tiny-${variant}`,
    description: `Tiny ${variant.toUpperCase()} LayerFlow pack with random weights (seed ${seed}) for tests and benchmarks.`,
    tasks: TASKS,
    files: all.roles,
    config,
  };
  return writePack(dir, draft, all.contents);
}
