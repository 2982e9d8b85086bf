import { copyFile, link, mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { isHiddenName, isTempName } from './atomic-file.ts';

/** Files a sink wrote into its run's folder, so a later run with the same key can have them again. */
export interface RunFiles {
  /** The run folder they were written to. */
  dir: string;
  /** Their paths relative to `dir`. */
  paths: string[];
}

/** "size:mtime" of every file under `dir` (relative paths); empty when the folder is not there yet. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((rel, i) => entries[i].isFile() && !rel.split(sep).some(isHiddenName));
  // stat'd side by side: one at a time, each waits its turn in libuv's thread pool
  const stamps = await Promise.all(files.map((rel) => stat(join(dir, rel)).catch(() => undefined)));
  const out = new Map<string, string>();
  files.forEach((rel, i) => {
    const info = stamps[i];
    if (info) out.set(rel, `${info.size}:${info.mtimeMs}`);
  });
  return out;
}

/** `paths` (relative to `dir`) with each folder among them replaced by the files inside it. */
export async function filesUnder(dir: string, paths: string[]): Promise<string[]> {
  const expanded = await Promise.all(
    paths.map(async (p) => {
      const info = await stat(join(dir, p)).catch(() => undefined);
      if (!info?.isDirectory()) return [p];
      const entries = await readdir(join(dir, p), { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
    }),
  );
  return expanded.flat();
}

/** The files that appeared or changed between two snapshots of `dir`. */
export function writtenFiles(dir: string, before: Map<string, string>, after: Map<string, string>): RunFiles {
  return { dir, paths: [...after].filter(([p, s]) => before.get(p) !== s).map(([p]) => p) };
}

/**
 * Puts the files of an earlier run into `dir`: hard links (no copy of a video), copies across devices,
 * all side by side. False, with none of them left in `dir`, when one of them is gone (the user deleted
 * that run).
 */
export async function restoreFiles(files: RunFiles, dir: string): Promise<boolean> {
  if (resolve(files.dir) === resolve(dir)) {
    const found = await Promise.all(files.paths.map((p) => isFile(join(files.dir, p))));
    return found.every(Boolean);
  }
  const made = await Promise.all(files.paths.map((p) => linkOrCopy(join(files.dir, p), join(dir, p))));
  if (made.every(Boolean)) return true;
  await Promise.all(files.paths.filter((_, i) => made[i]).map((p) => rm(join(dir, p), { force: true })));
  return false;
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** `to` as a hard link to (or else a copy of) the file `from`; false when `from` is not there. */
async function linkOrCopy(from: string, to: string): Promise<boolean> {
  // the common case (a new run folder, the file there) is one system call; the rest only on failure
  const error = await link(from, to).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  if (!error) return true;
  if (!(await isFile(from))) return false;
  await mkdir(dirname(to), { recursive: true });
  await unlink(to).catch(() => undefined);
  await link(from, to).catch(() => copyFile(from, to));
  return true;
}

/** Output values naming a path in the old run folder, moved to the same path in the new one. */
export function relocate(
  outputs: Readonly<Record<string, unknown>>,
  from: string,
  to: string,
): Record<string, unknown> {
  const prefix = resolve(from);
  const move = (v: unknown) =>
    typeof v === 'string' && (v === prefix || v.startsWith(prefix + sep)) ? resolve(to) + v.slice(prefix.length) : v;
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, move(v)]));
}

/** Removes what an interrupted write left under `dir`: this app's temp files and folders, at any depth. */
export async function removeTempFiles(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const hidden = entries
    .map((e) => join(e.parentPath, e.name))
    .filter((full) => isTempName(basename(full)))
    // A hidden folder goes as a whole; what lies inside it needs no visit of its own.
    .filter((full, _i, all) => !all.some((other) => other !== full && full.startsWith(other + sep)));
  await Promise.all(hidden.map((full) => rm(full, { recursive: true, force: true })));
}
