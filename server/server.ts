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
import { RENDERER_DIR } from './renderer-build.ts';
import { resolveInside, sendFile } from './static-files.ts';
import { newToken, requestToken, TOKEN_COOKIE, tokenMatches } from './token.ts';

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
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
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
    (await (await import('../api/studio.ts')).createStudio({ dataDir: opts.dataDir, jobs: opts.jobs, outputsDir }));
  const createContext = () => ({ services });
  const trpc = createHTTPHandler({ router: appRouter, createContext, basePath: '/trpc/' });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!tokenMatches(requestToken(req, url), token)) return fail(res, 403, 'missing or wrong token');
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
    if (url.pathname.startsWith('/files/')) {
      const rel = decodeURIComponent(url.pathname.slice('/files/'.length));
      const path = resolveInside(outputsDir, rel);
      if (!path || !(await sendFile(res, path))) fail(res, 404, 'no such output file');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const html = await indexHtml(rendererDir, token);
      if (!html) return fail(res, 500, `the renderer is not built: run \`npx vite build\` (looked in ${rendererDir})`);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      res.end(html);
      return;
    }
    const path = resolveInside(rendererDir, decodeURIComponent(url.pathname));
    if (!path || !(await sendFile(res, path))) fail(res, 404, 'not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => fail(res, 500, err.message));
  });
  const wss = new WebSocketServer({ noServer: true });
  const wsHandler = applyWSSHandler({ wss, router: appRouter, createContext });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' || !tokenMatches(requestToken(req, url), token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
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
