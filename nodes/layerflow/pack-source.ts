import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { demoPackDir, ensureDemoPack } from '../../models/demo/index.ts';
import { resolvePackPath } from '../../models/pack/installed.ts';
import { MANIFEST_FILE } from '../../models/pack/manifest-file.ts';
import { type ModelPack, type ReadPackOptions, readPack } from '../../models/pack/read.ts';
import { type Manifest, ManifestSchema } from '../../models/pack/schema.ts';
import { ensureTinyPack } from '../../models/tiny/ensure.ts';
import { tinyPackDir } from '../../models/tiny/paths.ts';

/** Packs the app can generate itself; any other value of the `pack` param is a folder path. */
export const BUILTIN_PACKS = ['demo-rgba', 'demo-rgb', 'tiny-rgba', 'tiny-rgb'] as const;
export type BuiltinPack = (typeof BUILTIN_PACKS)[number];

function builtin(name: string): { kind: 'demo' | 'tiny'; variant: 'rgb' | 'rgba' } | undefined {
  if (!(BUILTIN_PACKS as readonly string[]).includes(name)) return undefined;
  const [kind, variant] = name.split('-') as ['demo' | 'tiny', 'rgb' | 'rgba'];
  return { kind, variant };
}

/** The folder a `pack` param names (built-in packs live in the repo's .cache/packs). */
export function packDir(name: string): string {
  const b = builtin(name);
  if (!b) return resolvePackPath(name);
  return b.kind === 'demo' ? demoPackDir(b.variant) : tinyPackDir(b.variant);
}

/** The kind a built-in pack name implies (undefined for folders). */
export function builtinKind(name: string): 'demo' | 'tiny' | undefined {
  return builtin(name)?.kind;
}

/** The variant a built-in pack name implies (undefined for folders). */
export function builtinVariant(name: string): 'rgb' | 'rgba' | undefined {
  return builtin(name)?.variant;
}

/** Opens the pack a `pack` param names, generating a built-in one first when it is missing or stale. */
export async function openPack(name: string, onProgress?: ReadPackOptions['onProgress']): Promise<ModelPack> {
  const b = builtin(name);
  if (b?.kind === 'tiny') return ensureTinyPack(b.variant);
  if (b?.kind === 'demo') return readPack(await ensureDemoPack(b.variant), { onProgress });
  return readPack(packDir(name), { onProgress });
}

/** sha256 of the pack's manifest, which names every file's sha256: a content key for the whole pack. */
export async function manifestHash(name: string): Promise<string> {
  const b = builtin(name);
  if (b?.kind === 'demo') await ensureDemoPack(b.variant);
  if (b?.kind === 'tiny') await ensureTinyPack(b.variant);
  const text = await readFile(join(packDir(name), MANIFEST_FILE));
  return createHash('sha256').update(text).digest('hex');
}

const peeked = new Map<string, { mtimeMs: number; manifest: Manifest | undefined }>();

/**
 * The manifest of a pack folder if it is there and valid, read synchronously for type inference while
 * editing (cached by modification time); undefined when the pack is not built yet or unreadable.
 */
export function peekManifest(name: string): Manifest | undefined {
  const file = join(packDir(name), MANIFEST_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const hit = peeked.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.manifest;
  let manifest: Manifest | undefined;
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    manifest = parsed.success ? parsed.data : undefined;
  } catch {
    manifest = undefined; // half-written or not JSON: unknown until it is readable
  }
  peeked.set(file, { mtimeMs, manifest });
  return manifest;
}
