import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { FileReply } from './file-reply.ts';

/**
 * Writes a file reply to a Node response. A read error half-way (a disk failing, a file truncated under
 * us) ends this response with a reset connection, never the server.
 */
export async function sendReply(res: ServerResponse, reply: FileReply): Promise<void> {
  res.writeHead(reply.status, reply.headers);
  if (!reply.body) {
    res.end(reply.status === 404 ? 'not found' : undefined);
    return;
  }
  await pipeline(reply.body(), res).catch(() => res.destroy());
}
