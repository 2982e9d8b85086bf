import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../graph-engine/manifest.ts';

/**
 * Moves one attempt's folder to the job's run folder in the shared output folder. Each attempt writes
 * into a folder of its own, so a worker that lost its job (and still runs it) never writes over the run
 * of the worker that took over. A finished run already in place is kept: false, and the attempt's files go.
 */
export async function placeRunFolder(attempt: string, final: string): Promise<boolean> {
  const status = await readFile(join(final, MANIFEST_FILE), 'utf8').then(
    (text) => (JSON.parse(text) as { status?: string }).status,
    () => undefined,
  );
  if (status === 'finished') {
    await rm(attempt, { recursive: true, force: true });
    return false;
  }
  await rm(final, { recursive: true, force: true });
  await rename(attempt, final);
  return true;
}
