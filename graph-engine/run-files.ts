import { copyFile, link, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

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
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
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
