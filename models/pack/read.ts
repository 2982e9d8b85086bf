import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PackError } from './errors.ts';
import { sha256File } from './hash.ts';
import { HASH_CACHE_FILE, HashCache } from './hash-cache.ts';
import { MANIFEST_FILE, readManifest } from './manifest-file.ts';
import { readGraphInputs } from './onnx-inputs.ts';
import type { FileRef, Manifest, PackConfig, PackFile, Task } from './schema.ts';
import { transformerInputIssues } from './transformer-inputs.ts';

/** A pack file with its absolute path on disk. */
export type ResolvedFile = PackFile & { abs: string };

/** A validated model pack: every file exists with the size and sha256 its manifest names. */
export interface ModelPack {
  dir: string;
  manifest: Manifest;
  config: PackConfig;
  files: Record<string, ResolvedFile>;
  /** Things that did not stop the pack from opening (e.g. the hash cache could not be saved). */
  warnings: string[];
}

/** Packs this process verified, with the (size, mtime) of the manifest and every file it checked. */
const opened = new Map<string, { pack: ModelPack; stamps: Map<string, string> }>();

/** "size:mtime" of each path, or undefined when one is gone. */
async function statStamps(paths: string[]): Promise<Map<string, string> | undefined> {
  const stamps = new Map<string, string>();
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) return undefined;
    stamps.set(p, `${info.size}:${info.mtimeMs}`);
  }
  return stamps;
}

function sameStamps(a: Map<string, string>, b: Map<string, string> | undefined): boolean {
  return b !== undefined && a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/**
 * Opens a pack folder, verifying the manifest, every file's size and hash, and the transformer inputs.
 * Re-opening an unchanged pack in the same process (every job opens its pack) only stats its files.
 */
export async function readPack(dir: string): Promise<ModelPack> {
  const root = resolve(dir);
  const known = opened.get(root);
  if (known && sameStamps(known.stamps, await statStamps([...known.stamps.keys()]))) return known.pack;
  const pack = await verifyPack(root);
  const paths = [
    MANIFEST_FILE,
    ...Object.values(pack.manifest.files).flatMap((f) => [f.path, ...(f.externalData ? [f.externalData.path] : [])]),
  ].map((p) => resolve(root, p));
  const stamps = await statStamps(paths);
  if (stamps) opened.set(root, { pack: { ...pack, warnings: [] }, stamps });
  return pack;
}

async function verifyPack(root: string): Promise<ModelPack> {
  const manifest = await readManifest(root);
  const cache = await HashCache.load(join(root, HASH_CACHE_FILE));
  const files: Record<string, ResolvedFile> = {};
  for (const [role, entry] of Object.entries(manifest.files)) {
    await verifyFile(root, entry, cache);
    if (entry.externalData) await verifyFile(root, entry.externalData, cache);
    files[role] = { ...entry, abs: join(root, entry.path) };
  }
  await checkTransformers(manifest, files);
  const saveError = await cache.save();
  const warnings = saveError ? [`could not save verified hashes in ${root}: ${saveError.message}`] : [];
  return { dir: root, manifest, config: manifest.config, files, warnings };
}

async function verifyFile(root: string, ref: FileRef, cache: HashCache): Promise<void> {
  const file = join(root, ref.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new PackError('file-missing', file, `${file}: missing (the pack manifest names it)`);
  if (info.size !== ref.bytes) {
    const what = info.size < ref.bytes ? 'truncated' : 'larger than expected';
    throw new PackError('file-truncated', file, `${file}: ${what}: ${info.size} bytes, the manifest says ${ref.bytes}`);
  }
  let hash = cache.get(ref.path, info.size, info.mtimeMs);
  if (!hash) {
    hash = await sha256File(file);
    if (hash === ref.sha256) cache.set(ref.path, info.size, info.mtimeMs, hash);
  }
  if (hash !== ref.sha256) {
    throw new PackError(
      'hash-mismatch',
      file,
      `${file}: sha256 ${hash} does not match the manifest's ${ref.sha256} (corrupt or replaced)`,
    );
  }
}

/** The cheap header check: each task's transformer takes the inputs the config implies. */
async function checkTransformers(manifest: Manifest, files: Record<string, ResolvedFile>): Promise<void> {
  for (const task of manifest.tasks) {
    const role = files[`transformer.${task}`] ? `transformer.${task}` : 'transformer';
    for (const file of [files[role], files[`transformerMerged.${task}`]]) {
      if (file?.path.endsWith('.onnx')) await checkTransformer(manifest, file, task);
    }
  }
}

async function checkTransformer(manifest: Manifest, file: ResolvedFile, task: Task): Promise<void> {
  const inputs = await readGraphInputs(file.abs).catch((err: Error) => {
    throw new PackError('onnx-unreadable', file.abs, `${file.abs}: not a readable ONNX model (${err.message})`);
  });
  const issues = transformerInputIssues(inputs, manifest.config, task);
  if (issues.length) {
    throw new PackError(
      'onnx-inputs',
      file.abs,
      `${file.abs}: inputs do not match the pack config for ${task}: ${issues.join('; ')}`,
    );
  }
}
