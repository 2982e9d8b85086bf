import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { StudioError } from './errors.ts';
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, UPLOAD_EXTENSIONS } from './upload-limits.ts';

/** One chunk of a file the user picked in the browser, in order. */
export const UploadChunkSchema = z.object({
  /** Chosen by the client per file; names the partial file while chunks arrive. */
  uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'an upload id is 8–64 letters, digits, "_" or "-"'),
  /** The file's name as picked; only a safe base name of it is used. */
  name: z
    .string()
    .min(1)
    .max(255)
    .refine((n) => UPLOAD_EXTENSIONS.includes(extname(n).slice(1).toLowerCase()), {
      message: `only ${UPLOAD_EXTENSIONS.join(', ')} files`,
    }),
  /** A sub-folder of the input folder (a picked image sequence); only a safe name of it is used. */
  folder: z.string().min(1).max(120).optional(),
  size: z
    .number()
    .int()
    .min(1)
    .max(MAX_UPLOAD_BYTES, `files up to ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB`),
  offset: z.number().int().min(0),
  /** Base64 of at most UPLOAD_CHUNK_BYTES bytes. */
  data: z.string().max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4),
});
export type UploadChunk = z.infer<typeof UploadChunkSchema>;

export const UploadResultSchema = z.object({
  received: z.number(),
  /** Where the file is on the server once every byte arrived: what a file param should hold. */
  path: z.string().optional(),
});
export type UploadResult = z.infer<typeof UploadResultSchema>;

/** A name safe as one file name anywhere: letters, digits and . _ - kept, the rest made "_". */
export function safeFileName(name: string, fallback = 'upload'): string {
  const base = basename(name.replaceAll('\\', '/'))
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^[\s.]+/, '')
    .trim();
  const ext = extname(base);
  const stem = base.slice(0, base.length - ext.length).slice(0, 100);
  return stem ? `${stem}${ext.toLowerCase()}` : `${fallback}${ext.toLowerCase()}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `dir/name`, or `dir/stem-2.ext`… when that is taken. */
async function freshPath(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let path = join(dir, name);
  for (let n = 2; await exists(path); n++) path = join(dir, `${stem}-${n}${ext}`);
  return path;
}

/**
 * Receives uploads into `inputsDir`, chunk by chunk in order, into a hidden partial file renamed into
 * place when complete (under a fresh name, so nothing there is overwritten). A chunk out of order is
 * refused with what was received so far.
 */
export function uploadReceiver(inputsDir: string): (chunk: UploadChunk) => Promise<UploadResult> {
  return async (chunk) => {
    const dir = chunk.folder ? join(inputsDir, safeFileName(chunk.folder, 'frames')) : inputsDir;
    await mkdir(dir, { recursive: true });
    const part = join(dir, `.upload-${chunk.uploadId}.part`);
    const bytes = Buffer.from(chunk.data, 'base64');
    const have = (await stat(part).catch(() => undefined))?.size ?? 0;
    if (chunk.offset !== have) {
      throw new StudioError(
        'conflict',
        `upload ${chunk.uploadId}: chunk at byte ${chunk.offset}, but ${have} received`,
      );
    }
    if (have + bytes.length > chunk.size) {
      await rm(part, { force: true });
      throw new StudioError('bad-request', `${chunk.name}: more bytes than its size (${chunk.size})`);
    }
    const file = await open(part, 'a');
    try {
      await file.write(bytes);
      if (have + bytes.length === chunk.size) await file.sync();
    } finally {
      await file.close();
    }
    const received = have + bytes.length;
    if (received < chunk.size) return { received };
    const path = await freshPath(dir, safeFileName(chunk.name));
    await rename(part, path);
    return { received, path: chunk.folder ? dir : path };
  };
}
