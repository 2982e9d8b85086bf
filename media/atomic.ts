import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** A hidden temporary name beside `path`, keeping its extension. */
export function tempPathFor(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `.${basename(path, ext)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp${ext}`);
}

/**
 * Run outputs (videos, PNGs, contact sheets) are written here: atomic, not synced. Readers and a killed
 * or failed run never see half a file under its name (temp name, then rename), but nothing is fsync'd: a
 * power cut or OS crash in the seconds before the kernel writes back can leave a just-renamed file
 * empty. Outputs can be made again from the run's workflow (the manifest records it), and a sync costs
 * 1–5 ms per file here, more on a busy disk, on the path of every save; what cannot be made again (saved workflows, the job queue and journal, model packs) is
 * written synced elsewhere (graph-engine/atomic-file.ts, models/pack/atomic.ts).
 */

/** Produces `path` atomically: `produce` writes a temp file, which is renamed over `path`. */
export async function produceFileAtomic(path: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await produce(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes bytes to `path` atomically (temp file, rename; not synced, see above). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await produceFileAtomic(path, async (tmp) => {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Produces the folder `path` atomically: `produce` fills a temp folder beside it, which replaces any old
 * folder by rename (the old one is moved aside first, then deleted).
 */
export async function produceDirAtomic(path: string, produce: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = await mkdtemp(join(dirname(path), `.${basename(path)}.tmp-`));
  const old = `${tmp}.old`;
  let hadOld = false;
  try {
    await produce(tmp);
    hadOld = await rename(path, old).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    await rename(tmp, path);
  } catch (e) {
    // Whatever failed (a full disk, a cancelled run), no half-made temp folder stays behind and the
    // folder that was there is put back.
    await rm(tmp, { recursive: true, force: true });
    if (hadOld) await rename(old, path).catch(() => undefined);
    throw e;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
