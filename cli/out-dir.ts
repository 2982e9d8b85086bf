import { resolve } from 'node:path';
import { freshRunFolder } from '../graph-engine/run-folder.ts';

/** `./out/<YYYYMMDD-HHMMSS>-<title>`, named as the editor's run folders are. */
export function defaultOutDir(title: string, now = new Date()): string {
  return freshRunFolder(resolve('out'), title, now, new Set());
}
