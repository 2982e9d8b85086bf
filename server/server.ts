import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import { appRouter } from '../api/router.ts';
import type { StudioServices } from '../api/services.ts';
import { studioPaths } from '../api/studio-paths.ts';
import type { JobBackend } from '../graph-engine/job-backend.ts';
import { LIMITS } from '../graph-engine/limits.ts';
import { APP_POLICY, fileReply, NOT_FOUND, OUTPUT_POLICY, pathInside } from './file-reply.ts';
import { RENDERER_DIR } from './renderer-build.ts';
import { refusal } from './request-guard.ts';
import { PAGE_HEADERS, RESPONSE_HEADERS } from './security-headers.ts';
import { sendReply } from './send-reply.ts';
import { newToken, requestToken, tokenMatches } from './token.ts';

export interface ServerOptions {
  port?: number;
  /** Loopback only unless the user asks otherwise; the token is the guard either way. */
  host?: string;
  dataDir: string;
  /** The built renderer (vite build → dist/renderer). */
  rendererDir?: string;
  /** Replaces the real engine-backed services (tests). */
  services?: StudioServices;
  /** Where the real services send jobs (a farm); the local queue by default. */
  jobs?: JobBackend;
  /** Where run folders are served from: the farm's shared folder, or the data folder's job outputs. */
  outputsDir?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** The renderer's index.html with the token in a meta tag (not a script: the page's CSP forbids inline ones). */
async function indexHtml(rendererDir: string, token: string): Promise<string | undefined> {
  const html = await readFile(join(rendererDir, 'index.html'), 'utf8').catch(() => undefined);
  return html?.replace('</head>', `<meta name="layerflow-token" content="${token}" /></head>`);
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

/** Serves a file of `root` named by a URL path (GET and HEAD; Range answered with 206). */
async function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, untrusted: boolean) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'files are read with GET or HEAD');
  const path = pathInside(root, rel);
  const policy = untrusted ? OUTPUT_POLICY : APP_POLICY;
  const reply = path
    ? await fileReply(root, path, { method: req.method, range: req.headers.range }, policy)
    : NOT_FOUND;
  await sendReply(res, reply);
}

function decodedPath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/** Starts the HTTP + WebSocket server of the API, the renderer and the job output files. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = newToken();
  const host = opts.host ?? '127.0.0.1';
  const rendererDir = opts.rendererDir ?? RENDERER_DIR;
  // Loaded on demand so a server over injected services never loads the engine and its nodes.
  const outputsDir = opts.outputsDir ?? studioPaths(opts.dataDir).outputs;
  const services =
    opts.services ??
    (await (
      await import('../api/studio.ts')
    ).createStudio({
      dataDir: opts.dataDir,
      isolate: true,
      jobs: opts.jobs,
      outputsDir,
    }));
  const createContext = () => ({ services });
  const trpc = createHTTPHandler({
    router: appRouter,
    createContext,
    basePath: '/trpc/',
    maxBodySize: LIMITS.requestBytes,
  });
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) res.setHeader(name, value);
    const refused = refusal(req, port);
    if (refused) return fail(res, 403, refused);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodedPath(url.pathname);
    if (path === undefined) return fail(res, 400, 'malformed URL');
    const authorised = tokenMatches(requestToken(req, url), token);
    if (path.startsWith('/trpc/')) return authorised ? trpc(req, res) : fail(res, 403, 'missing or wrong token');
    if (path.startsWith('/files/')) {
      if (!authorised) return fail(res, 403, 'missing or wrong token');
      return serveFile(req, res, outputsDir, path.slice('/files/'.length), true);
    }
    if (path === '/' || path === '/index.html') {
      if (!authorised) return fail(res, 403, 'missing or wrong token: open the URL `layerflow serve` printed');
      const html = await indexHtml(rendererDir, token);
      if (!html) return fail(res, 500, `the renderer is not built: run \`npx vite build\` (looked in ${rendererDir})`);
      res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    // The editor's scripts and styles are the same public code for everyone: no token, nothing secret.
    return serveFile(req, res, rendererDir, path, false);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => fail(res, 500, 'internal error'));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.requestBytes });
  const wsHandler = applyWSSHandler({ wss, router: appRouter, createContext });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || refusal(req, port) || !tokenMatches(requestToken(req, url), token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    token,
    async close() {
      wsHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Services passed in belong to the caller; the ones made here (the real engine) end with the server.
      if (!opts.services) await services.close?.();
    },
  };
}
