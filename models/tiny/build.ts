import type { Manifest } from '../pack/schema.ts';
import { type ManifestDraft, writePack } from '../pack/write.ts';
import { TASKS, TINY_SEED, tinyPackConfig } from './config.ts';
import { ditFiles } from './dit-files.ts';

/**
 * Generates a tiny pack into `dir`: the real architectures at tiny sizes with deterministic random
 * weights (same seed → same bytes). Holds the DiT per task, the layer embedder and the LoRA sets; the
 * text encoder, tokenizer and VAE join when their builders (models/t5, models/tokenizer, models/vae) exist.
 */
export async function buildTinyPack(variant: 'rgb' | 'rgba', dir: string, seed = TINY_SEED): Promise<Manifest> {
  const config = tinyPackConfig(variant);
  const dit = ditFiles(config, TASKS, seed);
  const draft: ManifestDraft = {
    format: 'layerflow-pack',
    formatVersion: 1,
    kind: 'tiny',
    variant,
    name: `tiny-${variant}`,
    description: `Tiny ${variant.toUpperCase()} LayerFlow pack with random weights (seed ${seed}) for tests and benchmarks.`,
    tasks: TASKS,
    files: dit.roles,
    config,
  };
  return writePack(dir, draft, dit.contents);
}
