import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

/** Where `vite build` puts the renderer, and where the server serves it from. */
export const RENDERER_DIR = join(ROOT, 'dist', 'renderer');

/**
 * Makes sure the renderer is built: in a source checkout a missing build is made with vite (seconds);
 * where vite is not installed, says how to get one.
 */
export async function ensureRenderer(opts: { rebuild?: boolean } = {}): Promise<void> {
  if (!opts.rebuild && existsSync(join(RENDERER_DIR, 'index.html'))) return;
  const vite = await import('vite').catch(() => undefined);
  if (!vite) throw new Error(`the editor is not built (no ${RENDERER_DIR}) and vite is not installed: run npm install`);
  await vite.build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
