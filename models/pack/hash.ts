import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, streamed so multi-GB weights never sit in memory; `onBytes` hears the bytes read so far. */
export async function sha256File(path: string, onBytes?: (read: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    hash.update(chunk as Buffer);
    read += (chunk as Buffer).byteLength;
    onBytes?.(read);
  }
  return hash.digest('hex');
}

/** sha256 of bytes in memory. */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
