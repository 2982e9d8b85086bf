import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './paths.ts';

/** Code a tiny pack is generated from: when any of it changes, the cached packs are rebuilt. */
const SOURCES = [
  'models/onnx',
  'models/dit',
  'models/vae',
  'models/t5',
  'models/tokenizer',
  'models/tiny',
  'models/pack',
  'models/random.ts',
];

const stamps = new Map<string, Promise<string>>();

/**
 * sha256 over a generator's TypeScript sources (paths and contents) in sorted order, computed once per
 * process: the code this process runs cannot change under it, and a run opens its pack on every job.
 */
export function sourceStamp(sources: readonly string[] = SOURCES, root = REPO_ROOT): Promise<string> {
  const key = JSON.stringify([root, sources]);
  let stamp = stamps.get(key);
  if (!stamp) {
    stamp = computeStamp(sources, root);
    stamps.set(key, stamp);
  }
  return stamp;
}

async function computeStamp(sources: readonly string[], root: string): Promise<string> {
  const files = (await Promise.all(sources.map((s) => listTs(join(root, s))))).flat().sort();
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(relative(root, f));
    hash.update('\0');
    hash.update(await readFile(f));
  }
  return hash.digest('hex');
}

async function listTs(path: string): Promise<string[]> {
  if (path.endsWith('.ts'))
    return readFile(path).then(
      () => [path],
      () => [],
    );
  const entries = await readdir(path, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}
