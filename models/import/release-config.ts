import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CheckpointError } from './errors.ts';

/**
 * What `--config` may hold: a whole release description (release-tiny.json: `sizes`, `dit[].folder` +
 * `dit[].config`, `t5.config`, `vae.config`) or one DiT `config` object (a golden checkpoint's), which then
 * applies to every DiT folder imported.
 */
const ReleaseFileSchema = z.looseObject({
  sizes: z.looseObject({ vae_scale_factor: z.number().positive().optional() }).optional(),
  dit: z.array(z.looseObject({ folder: z.string(), config: z.record(z.string(), z.unknown()) })),
  t5: z.looseObject({ config: z.record(z.string(), z.unknown()).optional() }).optional(),
  vae: z.looseObject({ config: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/** Configs for parts whose sizes are not the released ones. */
export interface ImportConfigs {
  /** DiT config by checkpoint folder name; `*` for every folder. */
  dit: Map<string, unknown>;
  vae?: unknown;
  latentScale?: number;
}

/** Reads a `--config` file, naming it and the field on error. */
export function readImportConfigs(file: string): ImportConfigs {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CheckpointError('config-mismatch', file, [], `not a readable JSON config (${(err as Error).message})`);
  }
  if (json && typeof json === 'object' && 'dit' in json) {
    const parsed = ReleaseFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CheckpointError('config-mismatch', file, [], `${issue.path.join('.')}: ${issue.message}`);
    }
    const r = parsed.data;
    return {
      dit: new Map(r.dit.map((d) => [d.folder, d.config] as const)),
      vae: r.vae?.config,
      latentScale: r.sizes?.vae_scale_factor,
    };
  }
  return { dit: new Map([['*', json]]) };
}
