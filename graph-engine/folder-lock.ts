import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';

const LockSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  /** Linux boot id: a pid from before a reboot names some other process now. */
  boot: z.string().optional(),
  startedAt: z.string(),
  command: z.string(),
  nonce: z.string(),
});
type Lock = z.infer<typeof LockSchema>;

/** Another live process holds the folder; its message says which and what to do. */
export class FolderLockedError extends Error {
  readonly code = 'folder-locked';
  constructor(
    readonly dir: string,
    readonly holder: Lock,
    readonly lockFile: string,
  ) {
    super(
      `${dir} is in use by process ${holder.pid} (${holder.command}, since ${holder.startedAt}); ` +
        `stop it, or use another data folder. If no such process is running, delete ${lockFile}.`,
    );
    this.name = 'FolderLockedError';
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether the process a lock names may still be running (same host and boot, pid alive). */
function alive(lock: Lock): boolean {
  if (lock.host !== hostname()) return true; // a shared folder: we cannot tell, so we do not take it
  const boot = bootId();
  if (lock.boot && boot && lock.boot !== boot) return false;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<Lock | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return LockSchema.parse(JSON.parse(text));
  } catch {
    return undefined; // torn or foreign: treated as stale
  }
}

/** This process as a person would recognise it in the message (`main.ts serve --data …`). */
function thisCommand(): string {
  return [basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' ').slice(0, 200);
}

/** Links `tmp` to `path`; false when `path` exists. */
function placed(tmp: string, path: string): Promise<boolean> {
  return link(tmp, path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false;
      throw err;
    },
  );
}

/**
 * Moves a dead process's lock out of the way. Should another starter have replaced it in the meantime
 * (the one we read is not the one we moved), theirs goes back.
 */
async function moveStaleAside(path: string, stale: Lock | undefined): Promise<void> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
  const moved = await rename(path, aside).then(
    () => true,
    () => false,
  );
  if (!moved) return;
  const was = await readLock(aside);
  if (stale && was && was.nonce !== stale.nonce) await rename(aside, path).catch(() => undefined);
  else await rm(aside, { force: true });
}

/**
 * Makes this process the only one using `dir` (one queue, one journal writer per data folder): creates
 * `dir/name` holding our pid, or fails with FolderLockedError naming the live process that holds it. A
 * lock left by a dead process is taken over. Returns the function that releases it.
 */
export async function lockFolder(
  dir: string,
  name = 'queue.lock',
  command = 'layerflow',
): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const mine: Lock = {
    pid: process.pid,
    host: hostname(),
    boot: bootId(),
    startedAt: new Date().toISOString(),
    command,
    nonce: randomBytes(8).toString('hex'),
  };
  // The lock appears whole or not at all: written beside it, then hard-linked into place (fails if present).
  const tmp = `${path}.${mine.nonce}.tmp`;
  await writeFile(tmp, `${JSON.stringify(mine)}\n`, { flush: true });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await placed(tmp, path)) {
        return async () => {
          if ((await readLock(path))?.nonce === mine.nonce) await rm(path, { force: true });
        };
      }
      const held = await readLock(path);
      if (held && alive(held)) throw new FolderLockedError(dir, held, path);
      await moveStaleAside(path, held);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  throw new Error(`could not lock ${dir}: ${path} keeps reappearing`);
}
