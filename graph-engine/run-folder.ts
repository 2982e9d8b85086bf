import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Longest title part of a run folder's name, so paths stay short enough for every file system. */
const MAX_TITLE = 60;

/** `<YYYYMMDD-HHMMSS>-<title>` in local time, the title kept readable but safe as one file name. */
export function runFolderName(title: string, when: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${when.getFullYear()}${p(when.getMonth() + 1)}${p(when.getDate())}-${p(when.getHours())}${p(when.getMinutes())}${p(when.getSeconds())}`;
  const safe = title
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_TITLE)
    .replace(/[-.]+$/, '');
  return `${stamp}-${safe || 'run'}`;
}

/**
 * A run folder under `parent` named by `runFolderName`, with `-2`, `-3`… when the name is taken (the
 * same title started twice in one second) on disk or by `reserved` (jobs queued but not yet written).
 */
export function freshRunFolder(parent: string, title: string, when: Date, reserved: ReadonlySet<string>): string {
  const base = join(parent, runFolderName(title, when));
  let path = base;
  for (let n = 2; existsSync(path) || reserved.has(path); n++) path = `${base}-${n}`;
  return path;
}
