import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../pack/atomic.ts';
import { withLock } from '../tiny/lock.ts';
import { sourceStamp } from '../tiny/source-stamp.ts';
import { buildDemoPack, type DemoVariant } from './pack.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Code the demo pack is generated from: when any of it changes, the cached pack is rebuilt. */
const SOURCES = ['models/demo', 'models/onnx', 'models/pack', 'models/sampler', 'models/tokenizer'];

/** Where the default demo pack of a variant lives: `<repo>/.cache/packs/demo-<variant>` (gitignored). */
export function demoPackDir(variant: DemoVariant): string {
  return join(REPO_ROOT, '.cache', 'packs', `demo-${variant}`);
}

/**
 * The default demo pack of `variant`, built on first use and whenever its generator's code changed (the
 * source stamp sits beside it in `<dir>.source`). Safe to call from parallel processes. Returns its folder.
 */
export async function ensureDemoPack(variant: DemoVariant): Promise<string> {
  const dir = demoPackDir(variant);
  const stamp = await sourceStamp(SOURCES, REPO_ROOT);
  const stampFile = `${dir}.source`;
  const current = async () => (await readFile(stampFile, 'utf8').catch(() => '')) === stamp;
  if (await current()) return dir;
  await mkdir(join(dir, '..'), { recursive: true });
  await withLock(`${dir}.lock`, async () => {
    if (await current()) return;
    await buildDemoPack(dir, variant);
    await writeFileAtomic(stampFile, stamp);
  });
  return dir;
}
