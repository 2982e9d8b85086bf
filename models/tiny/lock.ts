import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Runs `fn` holding a lock folder, so parallel test processes do not build the same pack at once.
 * A lock left by a process that died is taken over.
 */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await ownerIsGone(lockDir)) await rm(lockDir, { recursive: true, force: true });
      else await delay(50);
    }
  }
  try {
    await writeFile(`${lockDir}/pid`, String(process.pid));
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function ownerIsGone(lockDir: string): Promise<boolean> {
  const pid = Number(await readFile(`${lockDir}/pid`, 'utf8').catch(() => ''));
  if (!pid) {
    // Just created and the pid not written yet; only an old pid-less lock is abandoned.
    const info = await stat(lockDir).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
