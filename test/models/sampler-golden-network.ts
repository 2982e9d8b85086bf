import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { RowNetwork } from '../../models/sampler/dpmpp2m.ts';
import { mixtureV } from '../../models/sampler/mixture.ts';

/** Where golden tests read `<kind>/`: LAYERFLOW_GOLDEN_DIR, or ../shared/golden beside the repository. */
export function goldenDir(kind: string): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  return join(process.env.LAYERFLOW_GOLDEN_DIR ?? resolve(repoRoot, '../shared/golden'), kind);
}

const nums = z.array(z.number());
const GoldenStep = z.object({
  timestep: z.number(),
  alpha: z.number(),
  next_alpha: z.number(),
  prev_alpha: z.number().nullable(),
  alpha_q: z.number(),
  x_in: nums,
  noise: nums.nullable(),
  denoised: nums,
  x_out: nums,
});
export const GoldenSamplerFile = z.object({
  discretization: z.object({ shift_scale: z.number() }),
  num_steps: z.number().int(),
  guidance: z.union([
    z.object({ type: z.literal('dynamic-cfg'), scale: z.number(), exp: z.number() }),
    z.object({ type: z.literal('none') }),
  ]),
  fixed_frames: z.number().int(),
  shape: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]),
  network: z.object({
    type: z.literal('gmm-v'),
    means: z.array(nums),
    var: z.number(),
    cond_logits: nums,
    uncond_logits: nums,
  }),
  x_init: nums,
  steps: z.array(GoldenStep),
  result: nums,
});
export type GoldenSamplerFile = z.infer<typeof GoldenSamplerFile>;

/** Every golden sampler file by name; throws when the folder is missing or empty. */
export function readGoldenSamplerFiles(): { name: string; file: GoldenSamplerFile }[] {
  const dir = goldenDir('sampler');
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort();
  if (names.length === 0) throw new Error(`no golden sampler files (*.json) in ${dir}`);
  return names.map((name) => ({
    name,
    file: GoldenSamplerFile.parse(JSON.parse(readFileSync(join(dir, name), 'utf8'))),
  }));
}

/** The file's closed-form network: the mixture's v-prediction per batch row, with that row's logits. */
export function goldenNetwork(file: GoldenSamplerFile): RowNetwork {
  const means = Float32Array.from(file.network.means.flat());
  const perBatch = file.shape.slice(1).reduce((a, b) => a * b, 1);
  return async (x, _timestep, alphaQ, row) => {
    const logits = row === 'cond' ? file.network.cond_logits : file.network.uncond_logits;
    const mix = { means, variance: file.network.var, logits };
    const v = new Float32Array(x.length);
    for (let b = 0; b * perBatch < x.length; b++) {
      const span = [b * perBatch, (b + 1) * perBatch] as const;
      mixtureV(mix, x.subarray(...span), alphaQ, v.subarray(...span));
    }
    return v;
  };
}
