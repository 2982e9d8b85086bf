import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installedPacksDir } from '../models/pack/installed.ts';
import { MANIFEST_FILE } from '../models/pack/manifest-file.ts';
import { BUILTIN_PACKS, manifestHash, packDir } from '../nodes/layerflow/pack-source.ts';

/** A pack on this worker: the `pack` param value that opens it here, and its content key. */
export interface LocalPack {
  name: string;
  /** What a job's pack param is rewritten to on this worker: a built-in name or the folder. */
  param: string;
  dir: string;
  sha256: string;
  kind?: string;
  variant?: string;
}

/** The packs a worker offers when `--packs` is not given: the demo packs and every installed pack. */
export async function defaultPackNames(): Promise<string[]> {
  const dir = installedPacksDir();
  const installed = await readdir(dir).catch(() => [] as string[]);
  return ['demo-rgba', 'demo-rgb', ...installed.filter((n) => existsSync(join(dir, n, MANIFEST_FILE))).sort()];
}

/**
 * Opens the manifests of the named packs (built-in ones are generated first) and keys them by content.
 * A name that is not a readable pack is an error naming it, so a worker never advertises what it lacks.
 */
export async function localPacks(names: string[]): Promise<Map<string, LocalPack>> {
  const packs = new Map<string, LocalPack>();
  for (const name of names) {
    const dir = packDir(name);
    const sha256 = await manifestHash(name).catch((err: Error) => {
      throw new Error(`--packs ${name}: not a readable model pack at ${dir} (${err.message})`);
    });
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as {
      kind?: string;
      variant?: string;
    };
    const builtin = (BUILTIN_PACKS as readonly string[]).includes(name);
    packs.set(sha256, {
      name,
      param: builtin ? name : dir,
      dir,
      sha256,
      kind: manifest.kind,
      variant: manifest.variant,
    });
  }
  return packs;
}
