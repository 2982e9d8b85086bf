import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { syncDir, writeFileAtomic } from './atomic.ts';
import { PackError } from './errors.ts';
import { sha256Bytes, sha256File } from './hash.ts';
import { HASH_CACHE_FILE, HashCache, stampOf } from './hash-cache.ts';
import { MANIFEST_FILE, parseManifest } from './manifest-file.ts';
import type { FileRef, Manifest, PackFile } from './schema.ts';

/**
 * Where a file's bytes come from: in memory; a file to copy; a file to hard-link (a part two packs share,
 * stored once on disk; copied across devices), with its hash when known; or already written into the
 * temp folder by a producer that hashed it on the way (multi-GB weights streamed from a checkpoint).
 */
export type FileSource =
  | Uint8Array
  | { copyFrom: string }
  | { linkFrom: string; sha256?: string }
  | { sha256: string; bytes: number };

/** Writes a pack's big files straight into its temp folder and says what each path holds. */
export type ContentProducer = (tmp: string) => Promise<Record<string, FileSource>>;

/** A manifest before writing: files name their paths; sizes and hashes are filled in from the contents. */
export type ManifestDraft = Omit<Manifest, 'files'> & {
  files: Record<string, { path: string; externalData?: { path: string } }>;
};

/** The temp folder a pack is written into before it replaces `target` (hidden, so it never looks like a pack). */
export const packTempPrefix = (target: string) => join(dirname(target), `.${basename(target)}.tmp-`);

/**
 * Writes a pack folder atomically: everything goes to a sibling temp folder (files fsynced, manifest
 * last, verified hashes seeded so the first open is instant), which then replaces `dir`. Returns the
 * final manifest. `contents` is keyed by pack-relative path and must match the draft's files exactly; a
 * producer function writes into the temp folder itself. An interrupted write leaves only the hidden temp
 * folder, never a folder with a manifest.
 */
export async function writePack(
  dir: string,
  draft: ManifestDraft,
  contents: Record<string, FileSource> | ContentProducer,
): Promise<Manifest> {
  const target = resolve(dir);
  checkDraft(target, draft);
  const tmp = `${packTempPrefix(target)}${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tmp, { recursive: true });
    const sources = typeof contents === 'function' ? await contents(tmp) : contents;
    checkContents(target, draft, sources);
    const refs: Record<string, FileRef> = {};
    for (const [path, source] of Object.entries(sources)) refs[path] = await writeOne(tmp, path, source);
    const manifest = parseManifest(fillRefs(draft, refs), join(target, MANIFEST_FILE));
    await seedHashCache(tmp, refs);
    await writeFileAtomic(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await replaceDir(tmp, target);
    return manifest;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof PackError) throw err;
    throw new PackError('write-failed', target, `${target}: could not write the pack (${(err as Error).message})`);
  }
}

const namedPaths = (draft: ManifestDraft) => [
  ...new Set(Object.values(draft.files).flatMap((f) => [f.path, ...(f.externalData ? [f.externalData.path] : [])])),
];

/** Fails on a bad draft before copying gigabytes: validates it with placeholder sizes and hashes. */
function checkDraft(target: string, draft: ManifestDraft): void {
  const placeholder = Object.fromEntries(
    namedPaths(draft).map((p) => [p, { path: p, sha256: '0'.repeat(64), bytes: 0 }]),
  );
  parseManifest(fillRefs(draft, placeholder), join(target, MANIFEST_FILE));
}

function checkContents(target: string, draft: ManifestDraft, contents: Record<string, FileSource>): void {
  const named = namedPaths(draft);
  const missing = named.filter((p) => !(p in contents));
  const extra = Object.keys(contents).filter((p) => !named.includes(p));
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `no contents for ${missing.join(', ')}` : '',
      extra.length ? `contents not in the manifest: ${extra.join(', ')}` : '',
    ];
    throw new PackError('write-failed', target, `${target}: ${parts.filter(Boolean).join('; ')}`);
  }
}

async function writeOne(root: string, path: string, source: FileSource): Promise<FileRef> {
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  if (source instanceof Uint8Array) {
    await writeSynced(file, source);
    return { path, sha256: sha256Bytes(source), bytes: source.byteLength };
  }
  if ('copyFrom' in source) {
    await copyFile(source.copyFrom, file);
    await fsyncFile(file);
    return { path, sha256: await sha256File(file), bytes: (await stat(file)).size };
  }
  if ('linkFrom' in source) {
    await link(source.linkFrom, file).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
      await copyFile(source.linkFrom, file);
      await fsyncFile(file);
    });
    return { path, sha256: source.sha256 ?? (await sha256File(file)), bytes: (await stat(file)).size };
  }
  const info = await stat(file).catch(() => undefined);
  if (info?.size !== source.bytes) {
    throw new PackError(
      'write-failed',
      file,
      `${file}: the producer wrote ${info?.size ?? 'nothing'}, said ${source.bytes} bytes`,
    );
  }
  return { path, sha256: source.sha256, bytes: source.bytes };
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function fillRefs(draft: ManifestDraft, refs: Record<string, FileRef>): Manifest {
  const files: Record<string, PackFile> = {};
  for (const [role, f] of Object.entries(draft.files)) {
    files[role] = { ...refs[f.path], ...(f.externalData ? { externalData: refs[f.externalData.path] } : {}) };
  }
  return { ...draft, files };
}

async function seedHashCache(root: string, refs: Record<string, FileRef>): Promise<void> {
  const cache = await HashCache.load(join(root, HASH_CACHE_FILE));
  for (const ref of Object.values(refs)) {
    cache.set(ref.path, stampOf(await stat(join(root, ref.path))), ref.sha256);
  }
  const err = await cache.save();
  if (err) throw err;
}

/** Moves `tmp` into place; an existing pack is set aside first and removed after. */
async function replaceDir(tmp: string, target: string): Promise<void> {
  const old = `${tmp}.old`;
  const existed = await stat(target).then(
    () => true,
    () => false,
  );
  if (existed) await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (err) {
    if (existed) await rename(old, target);
    throw err;
  }
  await syncDir(dirname(target));
  if (existed) await rm(old, { recursive: true, force: true });
}
