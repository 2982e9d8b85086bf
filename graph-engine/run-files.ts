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
  const out = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = join(e.parentPath, e.name);
    if (!e.isFile() || relative(dir, full).split(sep).some(isHiddenName)) continue;
    const info = await stat(full).catch(() => undefined);
    if (info) out.set(relative(dir, full), `${info.size}:${info.mtimeMs}`);
  }
  return out;
}

/** The files that appeared or changed between two snapshots of `dir`. */
export function writtenFiles(dir: string, before: Map<string, string>, after: Map<string, string>): RunFiles {
  return { dir, paths: [...after].filter(([p, s]) => before.get(p) !== s).map(([p]) => p) };
}

/**
 * Puts the files of an earlier run into `dir`: hard links (no copy of a video), copies across devices.
 * False, with nothing half done that matters, when one of them is gone (the user deleted that run).
 */
export async function restoreFiles(files: RunFiles, dir: string): Promise<boolean> {
  for (const p of files.paths) {
    if (!(await stat(join(files.dir, p)).catch(() => undefined))?.isFile()) return false;
  }
  if (resolve(files.dir) === resolve(dir)) return true;
  for (const p of files.paths) {
    const [from, to] = [join(files.dir, p), join(dir, p)];
    await mkdir(dirname(to), { recursive: true });
    await unlink(to).catch(() => undefined);
    await link(from, to).catch(() => copyFile(from, to));
  }
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
