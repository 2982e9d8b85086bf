import { isAbsolute, join, relative } from 'node:path';
import { OUTPUT_SCHEME } from '../api/output-url.ts';

/**
 * The file under `outputsDir` a `layerflow://files/<jobId>/<path>` URL names, or undefined for anything
 * else: another host, an empty, `.` or `..` segment (encoded or not), a separator hidden in a segment.
 * The page can only ask for run outputs, never for a file elsewhere on the disk.
 */
export function outputFileFor(url: string, outputsDir: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${OUTPUT_SCHEME}:` || parsed.hostname !== 'files') return undefined;
  const raw = parsed.pathname.split('/').slice(1);
  let segments: string[];
  try {
    segments = raw.map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.length < 2 || segments.some((s) => s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s))) {
    return undefined;
  }
  const file = join(outputsDir, ...segments);
  const rel = relative(outputsDir, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? file : undefined;
}
