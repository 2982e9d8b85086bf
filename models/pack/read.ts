import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PackError } from './errors.ts';
import { sha256File } from './hash.ts';
import { type FileStamp, HASH_CACHE_FILE, HashCache, stampOf } from './hash-cache.ts';
import { MANIFEST_FILE, readManifest } from './manifest-file.ts';
import { readGraphInputs } from './onnx-inputs.ts';
import type { FileRef, Manifest, PackConfig, PackFile, Task } from './schema.ts';
import { transformerInputIssues } from './transformer-inputs.ts';

/** A pack file with its absolute path on disk. */
export type ResolvedFile = PackFile & { abs: string };

/** How a file's hash was established when the pack was opened. */
export interface VerifiedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** `hashed`: read and hashed now; `cached`: unchanged (inode, size, mtime, ctime) since it was last hashed. */
  how: 'hashed' | 'cached';
}

/** A validated model pack: every file exists with the size and sha256 its manifest names. */
export interface ModelPack {
  dir: string;
  manifest: Manifest;
  config: PackConfig;
  files: Record<string, ResolvedFile>;
  /** Every file checked, external data included, once each. */
  verified: VerifiedFile[];
  /** Things that did not stop the pack from opening (e.g. the hash cache could not be saved). */
  warnings: string[];
}

export interface ReadPackOptions {
  /** Bytes hashed so far of those that need hashing, and the file being read (multi-GB packs take minutes). */
  onProgress?: (done: number, total: number, file: string) => void;
  /** Re-hash every file, ignoring the verified-hash cache (`layerflow pack verify`). */
  rehash?: boolean;
}

/** Packs this process verified, with the stamps of the manifest and every file it checked. */
const opened = new Map<string, { pack: ModelPack; stamps: Map<string, string> }>();

/** "ino:size:mtime:ctime" of each path, or undefined when one is gone. */
async function statStamps(paths: string[]): Promise<Map<string, string> | undefined> {
  const stamps = new Map<string, string>();
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) return undefined;
    stamps.set(p, `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`);
  }
  return stamps;
}

function sameStamps(a: Map<string, string>, b: Map<string, string> | undefined): boolean {
  return b !== undefined && a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** Every file a manifest names, external data included, each path once. */
export function packFileRefs(manifest: Manifest): FileRef[] {
  const refs = new Map<string, FileRef>();
  for (const f of Object.values(manifest.files)) {
    for (const ref of [f, ...(f.externalData ? [f.externalData] : [])]) {
      refs.set(ref.path, { path: ref.path, sha256: ref.sha256, bytes: ref.bytes });
    }
  }
  return [...refs.values()];
}

/**
 * Opens a pack folder, verifying the manifest, every file's size and hash (streamed; a file unchanged
 * since it was last hashed is taken from the pack's verified-hash cache), and the transformer inputs.
 * Re-opening an unchanged pack in the same process (every job opens its pack) only stats its files.
 */
export async function readPack(dir: string, options: ReadPackOptions = {}): Promise<ModelPack> {
  const root = resolve(dir);
  const known = opened.get(root);
  if (!options.rehash && known && sameStamps(known.stamps, await statStamps([...known.stamps.keys()]))) {
    return known.pack;
  }
  const pack = await verifyPack(root, options);
  const paths = [MANIFEST_FILE, ...packFileRefs(pack.manifest).map((f) => f.path)].map((p) => resolve(root, p));
  const stamps = await statStamps(paths);
  if (stamps) opened.set(root, { pack: { ...pack, warnings: [] }, stamps });
  return pack;
}

async function verifyPack(root: string, options: ReadPackOptions): Promise<ModelPack> {
  const manifest = await readManifest(root);
  const cache = await HashCache.load(join(root, HASH_CACHE_FILE));
  const refs = await Promise.all(packFileRefs(manifest).map((ref) => statRef(root, ref)));
  const unknown = refs.filter((r) => options.rehash || !cache.get(r.ref.path, r.stamp));
  const total = unknown.reduce((a, r) => a + r.ref.bytes, 0);
  let done = 0;
  const verified: VerifiedFile[] = [];
  for (const { ref, stamp, file } of refs) {
    const cached = options.rehash ? undefined : cache.get(ref.path, stamp);
    const hash =
      cached ??
      (await sha256File(file, (n) => options.onProgress?.(done + n, total, file)).finally(() => {
        done += ref.bytes;
      }));
    if (hash !== ref.sha256) {
      throw new PackError(
        'hash-mismatch',
        file,
        `${file}: sha256 ${hash} does not match the manifest's ${ref.sha256} (corrupt or replaced)`,
      );
    }
    if (!cached) cache.set(ref.path, stamp, hash);
    verified.push({ path: ref.path, sha256: hash, bytes: ref.bytes, how: cached ? 'cached' : 'hashed' });
  }
  const files: Record<string, ResolvedFile> = {};
  for (const [role, entry] of Object.entries(manifest.files)) files[role] = { ...entry, abs: join(root, entry.path) };
  await checkTransformers(manifest, files);
  const saveError = await cache.save();
  const warnings = saveError ? [`could not save verified hashes in ${root}: ${saveError.message}`] : [];
  return { dir: root, manifest, config: manifest.config, files, verified, warnings };
}

/** A named file's stamp, after checking it is there with the manifest's size. */
async function statRef(root: string, ref: FileRef): Promise<{ ref: FileRef; stamp: FileStamp; file: string }> {
  const file = join(root, ref.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new PackError('file-missing', file, `${file}: missing (the pack manifest names it)`);
  if (info.size !== ref.bytes) {
    const what = info.size < ref.bytes ? 'truncated' : 'larger than expected';
    throw new PackError('file-truncated', file, `${file}: ${what}: ${info.size} bytes, the manifest says ${ref.bytes}`);
  }
  return { ref, stamp: stampOf(info), file };
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
