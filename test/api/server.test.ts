import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import type { AppRouter } from '../../api/router.ts';
import { studioPaths } from '../../api/studio-paths.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { fakeServices } from './fake-services.ts';

let dir: string;
let server: RunningServer;
const services = fakeServices();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-server-'));
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<html><head><title>x</title></head><body></body></html>');
  await writeFile(join(rendererDir, 'app.js'), 'console.log(1)');
  const out = join(studioPaths(join(dir, 'data')).outputs, 'job-7');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'fg.txt'), 'layer bytes 31');
  await writeFile(join(dir, 'data', 'secret.txt'), 'nope');
  server = await startServer({ port: 0, dataDir: join(dir, 'data'), rendererDir, services });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('listens on loopback only', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('every request for the page, the API or an output without the token is refused', async () => {
  for (const path of ['', 'trpc/nodes.list', 'files/job-7/fg.txt']) {
    assert.equal((await fetch(server.url + path)).status, 403, path);
    assert.equal((await fetch(`${server.url}${path}?token=wrong${server.token.slice(5)}`)).status, 403, path);
  }
});

test('the index gets the token in a meta tag, sets no cookie, and its public scripts load without one', async () => {
  const res = await fetch(`${server.url}?token=${server.token}`);
  const html = await res.text();
  assert.ok(html.includes(`<meta name="layerflow-token" content="${server.token}" />`));
  assert.equal(res.headers.get('set-cookie'), null);
  const js = await fetch(`${server.url}app.js`);
  assert.equal(js.status, 200);
  assert.equal(await js.text(), 'console.log(1)');
});

test('output files are served, and paths cannot climb out of the outputs folder', async () => {
  const ok = await fetch(`${server.url}files/job-7/fg.txt?token=${server.token}`);
  assert.equal(await ok.text(), 'layer bytes 31');
  for (const evil of [
    'files/job-7/../../../secret.txt',
    'files/..%2f..%2f..%2fsecret.txt',
    'files/%2e%2e/%2e%2e/%2e%2e/secret.txt',
  ]) {
    const res = await fetch(`${server.url}${evil}?token=${server.token}`);
    assert.notEqual(await res.text(), 'nope', evil);
  }
});

test('tRPC over HTTP with the header token, subscriptions over the WebSocket', async () => {
  const { WebSocket } = await import('ws');
  // Node 20 has no global WebSocket; the ws package stands in for the browser's.
  const wsClient = createWSClient({
    url: `${server.url.replace('http', 'ws')}ws?token=${server.token}`,
    WebSocket: WebSocket as never,
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink<AppRouter>({ client: wsClient }),
        false: httpBatchLink<AppRouter>({ url: `${server.url}trpc`, headers: { 'x-layerflow-token': server.token } }),
      }),
    ],
  });
  const cat = await client.nodes.list.query();
  assert.ok(cat.nodes.some((n) => n.type === 'toy.number'));
  const got = await new Promise<unknown>((resolve) => {
    const sub = client.events.subscribe(undefined, {
      onStarted: () => services.emit({ type: 'node-progress', jobId: 'j', time: 5, nodeId: 'n', fraction: 0.375 }),
      onData: (e) => {
        sub.unsubscribe();
        resolve(e);
      },
    });
  });
  assert.deepEqual(got, { type: 'node-progress', jobId: 'j', time: 5, nodeId: 'n', fraction: 0.375 });
  wsClient.close();
});

test('a WebSocket without the token is refused', async () => {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}ws`);
  const code = await new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('error', () => resolve('error'));
  });
  assert.ok(code === 403 || code === 'error');
});
