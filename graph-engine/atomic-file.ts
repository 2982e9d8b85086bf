import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Whether a file or folder name is a temporary or internal one: everything this app writes on the way
 * to a result starts with a dot (`.fg.1234-ab12.tmp.webm`, `.frames.tmp-x/`), so output listings and
 * manifests leave dot-names out and never show half-written files.
 */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** Whether a name is one of the temp names this app's atomic writes use (`.x.1a2b.tmp`, `.x.tmp-Ab3/`, …). */
export function isTempName(name: string): boolean {
  return /^\..+\.tmp([.-]|$)/.test(name);
}

/**
 * Writes a file so readers see the old or the new content, never half: temp file, fsync, rename, fsync of
 * the folder. `sync: false` skips both fsyncs for what can be made again (a run's manifest, like its
 * outputs: media/atomic.ts): still atomic, but a power cut soon after may leave it empty.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { sync = true }: { sync?: boolean } = {},
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    // A full disk or a failed rename must not leave the half-written temp file behind.
    await rm(tmp, { force: true });
    throw err;
  }
  if (sync) await syncDir(dirname(path));
}

/** fsyncs a folder so a rename in it survives power loss; some platforms cannot open folders, which is fine. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Windows refuses fsync on a folder handle; the rename itself is still atomic there.
  } finally {
    await handle.close();
  }
}
