import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file sits in models/tiny/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the tiny packs are generated: `<repo>/.cache/packs/tiny-<variant>` (gitignored). */
export function tinyPackDir(variant: 'rgb' | 'rgba'): string {
  return join(REPO_ROOT, '.cache', 'packs', `tiny-${variant}`);
}
