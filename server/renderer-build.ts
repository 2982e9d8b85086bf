import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** Where `vite build` puts the renderer, and where the server serves it from. */
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');

async function newestMtime(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const times = await Promise.all(
    entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).mtimeMs),
  );
  return Math.max(0, ...times);
}

/**
 * Whether `root`'s built renderer (dist/renderer/index.html) is missing or older than its sources
 * (renderer/ and vite.config.ts). Without sources (an installed app) a present build is current.
 */
export async function rendererStale(root = ROOT): Promise<boolean> {
  const built = await stat(join(root, 'dist', 'renderer', 'index.html')).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (built === undefined) return true;
  const sources = join(root, 'renderer');
  if (!existsSync(sources)) return false;
  const config = await stat(join(root, 'vite.config.ts')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return Math.max(await newestMtime(sources), config) > built;
}

/**
 * Makes sure the renderer is built and current: in a source checkout a missing build, or one older than
 * the sources (after a `git pull`), is made with vite (seconds); where vite is not installed, says how to
 * get one.
 */
export async function ensureRenderer(): Promise<void> {
  if (!(await rendererStale())) return;
  const vite = await import('vite').catch(() => undefined);
  if (!vite) throw new Error(`the editor is not built (no ${RENDERER_DIR}) and vite is not installed: run npm install`);
  await vite.build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
