import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.gif': 'image/gif',
  '.txt': 'text/plain; charset=utf-8',
};

/** The absolute path of `rel` inside `root`, or undefined when it would escape `root`. */
export function resolveInside(root: string, rel: string): string | undefined {
  const base = resolve(root);
  const full = resolve(base, `.${sep}${rel}`);
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

/** Streams a file with its content type; false when it does not exist (the caller answers 404). */
export async function sendFile(res: ServerResponse, path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  createReadStream(path).pipe(res);
  return true;
}
