import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isHiddenName } from '../graph-engine/atomic-file.ts';
import type { OutputFile } from './schemas.ts';

/**
 * Every file under a job's run folder (`folder`, relative to the outputs folder), with the server URL that
 * serves it (token added by clients). Temp files of a write in progress (dot-names) and symlinks are not outputs.
 */
export async function listOutputFiles(outputsDir: string, folder: string): Promise<OutputFile[]> {
  const root = join(outputsDir, folder);
  const prefix = `/files/${folder.split(sep).map(encodeURIComponent).join('/')}`;
  const files: OutputFile[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const path = relative(root, full).split(sep).join('/');
        const url = `${prefix}/${path.split('/').map(encodeURIComponent).join('/')}`;
        const info = await stat(full).catch(() => undefined);
        if (info) files.push({ path, size: info.size, url });
      }
    }
  }
  await walk(root);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
