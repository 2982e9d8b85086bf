import { Readable } from 'node:stream';
import { type FilePolicy, fileReply, OUTPUT_POLICY } from '../server/file-reply.ts';

export { byteRange } from '../server/file-reply.ts';

/**
 * A fetch Response for a file under `root`, answered exactly as the local server answers it (Range with
 * 206 so <video> can seek, HEAD, 416, no symlinks, the output content-type allow-list). Electron's own
 * net.fetch of a file:// URL ignores Range (electron#38749), hence this handler.
 */
export async function fileResponse(
  root: string,
  path: string,
  request: Pick<Request, 'method' | 'headers'>,
  policy: FilePolicy = OUTPUT_POLICY,
): Promise<Response> {
  const reply = await fileReply(root, path, { method: request.method, range: request.headers.get('range') }, policy);
  const body = reply.body
    ? (Readable.toWeb(reply.body()) as ReadableStream<Uint8Array>)
    : reply.status === 404
      ? 'not found'
      : null;
  return new Response(body, { status: reply.status, headers: reply.headers });
}
