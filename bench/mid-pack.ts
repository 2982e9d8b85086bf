import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DitConfig } from '../models/dit/config.ts';
import { importRelease } from '../models/import/pack-import.ts';
import { RELEASED_FOLDERS, releasedDitConfig } from '../models/import/released.ts';
import { writeSyntheticDitCheckpoint } from '../models/import/synthetic-dit.ts';
import { writeSyntheticParts } from '../models/import/synthetic-release.ts';
import type { FloatType } from '../models/onnx/nn.ts';
import { MANIFEST_FILE } from '../models/pack/manifest-file.ts';
import { REPO_ROOT } from '../models/tiny/paths.ts';

const FOLDER = 'multi-layer-generation-rgba';

/**
 * The mid-size DiT: the released RGBA generation architecture at width 512 × 8 layers (time embedding 512,
 * LoRA ranks 8 / 64) on 64×96 px (8×12 latents): ≈ 51 M parameters, 205 MB in float32, small enough to
 * run on two cores, large enough that the weights outweigh Node and ONNX Runtime.
 */
export function midDitConfig(): DitConfig {
  const facts = RELEASED_FOLDERS.get(FOLDER);
  if (!facts) throw new Error(`${FOLDER} is not a released folder`);
  const c = releasedDitConfig(facts, { motion_r: 8, spatial_r: 64 });
  return {
    ...c,
    latent_height: 8,
    latent_width: 12,
    hidden_size: 512,
    num_layers: 8,
    num_attention_heads: 8,
    text_hidden_size: 64,
  };
}

/** `<repo>/.cache/packs/mid-<dtype>-rgba`. */
export const midPackDir = (dtype: FloatType) => join(REPO_ROOT, '.cache', 'packs', `mid-${dtype}-rgba`);

/**
 * A generated mid-size pack (RGBA, generate only) made the way users make theirs: a synthetic release in the
 * released file layout (bfloat16 checkpoint, one-block T5, narrow VAE) through `importRelease`, in float16
 * (the import's default, for GPUs) or float32. Built once; delete the folder to rebuild.
 */
export async function ensureMidPack(dtype: FloatType): Promise<string> {
  const dir = midPackDir(dtype);
  if (existsSync(join(dir, MANIFEST_FILE))) return dir;
  const root = await mkdtemp(join(tmpdir(), 'lf-mid-release-'));
  try {
    const config = midDitConfig();
    await writeSyntheticDitCheckpoint(join(root, 'LayerFlow', FOLDER), config);
    await writeSyntheticParts(root, config.text_hidden_size, config.in_channels);
    await importRelease({
      inputs: [join(root, 'LayerFlow'), join(root, 'CogVideoX-2b-sat')],
      outDir: join(REPO_ROOT, '.cache', 'packs'),
      name: `mid-${dtype}`,
      dtype,
      configs: { dit: new Map([['*', config]]) },
      force: true,
    });
    return dir;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
