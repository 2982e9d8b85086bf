import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../pack/atomic.ts';
import { type ModelPack, readPack } from '../pack/read.ts';
import { buildTinyPack } from './build.ts';
import { withLock } from './lock.ts';
import { tinyPackDir } from './paths.ts';
import { sourceStamp } from './source-stamp.ts';

/**
 * The tiny pack of a variant, generated on first use and whenever the generator's code changed (its
 * source stamp sits beside the pack in `<dir>.source`). Safe to call from parallel test processes.
 */
export async function ensureTinyPack(variant: 'rgb' | 'rgba', dir = tinyPackDir(variant)): Promise<ModelPack> {
  const stamp = await sourceStamp();
  const stampFile = `${dir}.source`;
  const current = async () => {
    const built = await readFile(stampFile, 'utf8').catch(() => '');
    return built === stamp ? readPack(dir).catch(() => undefined) : undefined;
  };
  const ready = await current();
  if (ready) return ready;
  await mkdir(dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    const built = await current(); // another process may have built it while we waited
    if (built) return built;
    await buildTinyPack(variant, dir);
    await writeFileAtomic(stampFile, stamp);
    return readPack(dir);
  });
}
