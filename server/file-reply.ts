import { constants, type ReadStream } from 'node:fs';
import { type FileHandle, lstat, open, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative } from 'node:path';

/**
 * One answer to a file request, shared by the local server (Node's http) and the desktop app's
 * `layerflow:` scheme (a fetch Response), so Range, HEAD, content types and the symlink rule are
 * written once.
 */
export interface FileReply {
  status: number;
  headers: Record<string, string>;
  /** The bytes to send; absent for HEAD, 304-like answers, errors and empty files. */
  body?: () => ReadStream;
}

/** How a folder's files are served. */
export interface FilePolicy {
  /** Content type per lower-case extension; anything else is opaque bytes. */
  types: Readonly<Record<string, string>>;
  /**
   * Run outputs were written by workflows, so they must never run script in the studio's origin:
   * unlisted types download as attachments and every answer carries a sandboxing CSP.
   */
  untrusted: boolean;
}

/** What run outputs may be shown as: video, images, JSON and plain text; nothing that can hold script. */
export const OUTPUT_POLICY: FilePolicy = {
  untrusted: true,
  types: {
    '.webm': 'video/webm',
    '.mp4': 'video/mp4',
    '.mov': 'video/quicktime',
    '.mkv': 'video/x-matroska',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.json': 'application/json; charset=utf-8',
    '.txt': 'text/plain; charset=utf-8',
    '.log': 'text/plain; charset=utf-8',
    '.csv': 'text/plain; charset=utf-8',
  },
};

/** The editor's own built files. */
export const APP_POLICY: FilePolicy = {
  untrusted: false,
  types: {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.map': 'application/json; charset=utf-8',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    '.ico': 'image/x-icon',
    '.woff2': 'font/woff2',
    '.txt': 'text/plain; charset=utf-8',
  },
};

/** Even a video opened on its own gets no script, no plugins, no forms: a sandboxed, opaque origin. */
const OUTPUT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

type ByteSpan = { start: number; end: number };

/** The inclusive byte span a single `bytes=` range asks of a file, 'unsatisfiable', or undefined for none. */
export function byteRange(header: string | null | undefined, size: number): ByteSpan | 'unsatisfiable' | undefined {
  const m = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // absent, malformed or multi-range: whole file
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

/** The path of `rel` (slash-separated, already URL-decoded) inside `root`, or undefined when it would leave it. */
export function pathInside(root: string, rel: string): string | undefined {
  const parts = rel.split(/[/\\]/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.includes('\0'))) return undefined;
  const full = join(root, ...parts);
  const back = relative(root, full);
  return back && !back.startsWith('..') && !isAbsolute(back) ? full : undefined;
}

// O_NOFOLLOW refuses a symlink swapped in after the checks; O_NONBLOCK keeps a FIFO from hanging the open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for serving only when it is a regular file reached without any symlink below `root`
 * (so a link in an output folder cannot serve /etc/passwd or a /proc file); undefined otherwise.
 */
export async function openInside(
  root: string,
  path: string,
): Promise<{ handle: FileHandle; size: number } | undefined> {
  const link = await lstat(path).catch(() => undefined);
  if (!link?.isFile()) return undefined;
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]).catch(() => []);
  // Equal only when no component below the root is a symlink (the root itself may be one, /tmp on macOS).
  if (!realRoot || realFile !== join(realRoot, relative(root, path))) return undefined;
  const handle = await open(path, OPEN_FLAGS).catch(() => undefined);
  if (!handle) return undefined;
  const info = await handle.stat().catch(() => undefined);
  if (!info?.isFile() || info.ino !== link.ino) {
    await handle.close();
    return undefined;
  }
  return { handle, size: info.size };
}

function typeHeaders(path: string, policy: FilePolicy): Record<string, string> {
  const type = policy.types[extname(path).toLowerCase()];
  const headers: Record<string, string> = {
    'content-type': type ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'accept-ranges': 'bytes',
  };
  if (policy.untrusted) {
    headers['content-security-policy'] = OUTPUT_CSP;
    headers['cross-origin-resource-policy'] = 'same-origin';
    if (!type) headers['content-disposition'] = 'attachment';
  }
  return headers;
}

export const NOT_FOUND: FileReply = {
  status: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
};

/**
 * The answer to GET or HEAD of `path` (which must lie inside `root`): 200 with the whole file, 206 with
 * the one range asked (so `<video>` can seek), 416 for a range past the end, 404 for anything that is not
 * a regular file reached without symlinks.
 */
export async function fileReply(
  root: string,
  path: string,
  request: { method?: string; range?: string | null },
  policy: FilePolicy,
): Promise<FileReply> {
  const opened = await openInside(root, path);
  if (!opened) return NOT_FOUND;
  const { handle, size } = opened;
  const headers = typeHeaders(path, policy);
  const range = byteRange(request.range, size);
  if (range === 'unsatisfiable') {
    await handle.close();
    return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers['content-length'] = String(Math.max(0, end - start + 1));
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  const status = range ? 206 : 200;
  if (request.method === 'HEAD' || size === 0) {
    await handle.close();
    return { status, headers };
  }
  return { status, headers, body: () => handle.createReadStream({ start, end, autoClose: true }) };
}
