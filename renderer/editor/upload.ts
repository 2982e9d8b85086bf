import { UPLOAD_CHUNK_BYTES } from '../../api/upload-limits.ts';

/** Base64 of bytes, in pieces small enough for String.fromCharCode's argument list. */
function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * Sends a picked file to the server's input folder in chunks (browser mode) and resolves with its path
 * there; `folder` groups the files of one picked image sequence.
 */
export async function uploadFile(
  file: File,
  opts: { folder?: string; onProgress?(fraction: number): void } = {},
): Promise<string> {
  // loaded on use: the client reads the page's token when loaded, and the file widget also renders outside a page
  const { api } = await import('../api-client.ts');
  const uploadId = `up-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
    const chunk = new Uint8Array(await file.slice(offset, offset + UPLOAD_CHUNK_BYTES).arrayBuffer());
    const r = await api.media.upload.mutate({
      uploadId,
      name: file.name,
      size: file.size,
      offset,
      data: base64(chunk),
      ...(opts.folder ? { folder: opts.folder } : {}),
    });
    opts.onProgress?.(r.received / file.size);
    if (r.path) return r.path;
  }
  throw new Error(`${file.name}: the server did not confirm the upload`);
}
