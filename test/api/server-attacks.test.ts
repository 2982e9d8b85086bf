import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { studioPaths } from '../../api/studio-paths.ts';
import { sendReply } from '../../server/send-reply.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { fakeServices } from './fake-services.ts';

/**
 * The attack pass against `layerflow serve`, as tests: each request here is one a hostile page, another
 * local program or a crafted output would send, and each failed on the server before these fixes.
 */

let dir: string;
let server: RunningServer;
let port: number;
const video = randomBytes(50_001);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-attack-'));
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<html><head><title>x</title></head><body></body></html>');
  await writeFile(join(rendererDir, 'app.js'), 'console.log("app")');
  const data = join(dir, 'data');
  const job = join(studioPaths(data).outputs, 'job-1');
  await mkdir(job, { recursive: true });
  await writeFile(join(job, 'blend.webm'), video);
  await writeFile(join(job, 'notes.html'), '<script>fetch("/trpc/jobs.list")</script>');
  await writeFile(join(job, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  await writeFile(join(job, 'manifest.json'), '{"status":"finished"}');
  await writeFile(join(data, 'secret.txt'), 'the secret');
  await symlink(join(data, 'secret.txt'), join(job, 'leak.txt'));
  await symlink('/etc/passwd', join(job, 'passwd.txt'));
  await symlink('/proc/self/mem', join(job, 'mem.json'));
  await symlink(data, join(job, 'up'));
  execFileSync('mkfifo', [join(job, 'pipe.txt')]);
  server = await startServer({ port: 0, dataDir: data, rendererDir, services: fakeServices() });
  port = Number(new URL(server.url).port);
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP request, so Host and Origin can be anything a browser or a rebinding attack would send. */
function raw(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const withToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}token=${server.token}`;

test('a Host other than this server (DNS rebinding) is refused even with the token', async () => {
  for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`, 'localhost:1', '127.0.0.1']) {
    const res = await raw(withToken('/'), { headers: { host } });
    assert.equal(res.status, 403, host);
    assert.ok(!res.body.toString().includes(server.token), host);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    assert.equal((await raw(withToken('/'), { headers: { host } })).status, 200, host);
  }
});

test('a state-changing request from another origin is refused; our own origin is served', async () => {
  const body = JSON.stringify({ name: 'x', workflow: { schemaVersion: 2, nodes: {} } });
  const headers = { 'content-type': 'application/json', 'x-layerflow-token': server.token };
  for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null']) {
    const res = await raw('/trpc/workflow.save', { method: 'POST', headers: { ...headers, origin }, body });
    assert.equal(res.status, 403, origin);
  }
  const ok = await raw('/trpc/workflow.save', {
    method: 'POST',
    headers: { ...headers, origin: `http://127.0.0.1:${port}` },
    body,
  });
  assert.equal(ok.status, 200);
});

test('a WebSocket from another origin is refused even with the token', async () => {
  const { WebSocket } = await import('ws');
  const open = (origin: string) =>
    new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${server.token}`, { origin });
      ws.on('open', () => {
        ws.close();
        resolve('open');
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });
  assert.notEqual(await open('http://evil.example'), 'open');
  assert.equal(await open(`http://127.0.0.1:${port}`), 'open');
});

test('the page, the API, assets and errors carry CSP, frame and sniffing protections', async () => {
  for (const path of [withToken('/'), withToken('/trpc/nodes.list'), '/app.js', '/missing.js', '/trpc/nodes.list']) {
    const res = await raw(path);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.equal(res.headers['x-frame-options'], 'DENY', path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
  }
  const page = await raw(withToken('/'));
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'(;|$)/);
  assert.equal(page.headers['set-cookie'], undefined, 'no cookie that other services on 127.0.0.1 would receive');
});

test('error answers carry no stack trace', async () => {
  const answers = [
    await raw(withToken('/trpc/jobs.get?input=%7B%22jobId%22%3A%22nope%22%7D')),
    await raw(withToken('/trpc/jobs.get?input=%7B%7D')),
    await raw(withToken('/trpc/no.such.route')),
    await raw(withToken('/trpc/jobs.get?input=%7Bnot%20json')),
  ];
  for (const res of answers) {
    assert.ok(res.status >= 400);
    const text = res.body.toString();
    assert.ok(!/"stack"|\bat .*\.(ts|js):\d+/.test(text), text.slice(0, 300));
  }
});

test('API validation errors name the node and field, and reserved node ids are refused', async () => {
  const save = (workflow: string) =>
    raw(withToken('/trpc/workflow.save'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"name":"w","workflow":${workflow}}`,
    });
  const bad = await save('{"schemaVersion":2,"nodes":{"num":{"type":"toy.number","typeVersion":"one"}}}');
  assert.equal(bad.status, 400);
  const { error } = JSON.parse(bad.body.toString());
  assert.match(error.message, /^node num · typeVersion: /);
  assert.deepEqual(
    error.data.issues.map((i: { nodeId: string; field: string }) => [i.nodeId, i.field]),
    [['num', 'typeVersion']],
  );
  for (const id of ['__proto__', 'constructor']) {
    const res = await save(`{"schemaVersion":2,"nodes":{"${id}":{"type":"toy.number","typeVersion":1}}}`);
    assert.equal(res.status, 400, id);
    assert.match(JSON.parse(res.body.toString()).error.message, new RegExp(`node ${id}: .*reserved name`), id);
  }
});

test('a request body over the limit is refused, and the server goes on', async () => {
  const res = await raw(withToken('/trpc/workflow.save'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(17 * 1024 * 1024, 0x20),
  });
  assert.equal(res.status, 413);
  assert.equal((await raw('/app.js')).status, 200);
});

test('outputs that could run script download as attachments in a sandbox; media and JSON show inline', async () => {
  for (const name of ['notes.html', 'logo.svg']) {
    const res = await raw(withToken(`/files/job-1/${name}`));
    assert.equal(res.status, 200, name);
    assert.equal(res.headers['content-type'], 'application/octet-stream', name);
    assert.equal(res.headers['content-disposition'], 'attachment', name);
    assert.match(String(res.headers['content-security-policy']), /^sandbox/, name);
  }
  const json = await raw(withToken('/files/job-1/manifest.json'));
  assert.match(String(json.headers['content-type']), /^application\/json/);
  assert.equal(json.headers['content-disposition'], undefined);
  assert.match(String(json.headers['content-security-policy']), /^sandbox/);
});

test('symlinks in an output folder are not followed, /proc is not read, a FIFO does not hang', async () => {
  for (const name of ['leak.txt', 'passwd.txt', 'mem.json', 'up/secret.txt', 'pipe.txt']) {
    const res = await raw(withToken(`/files/job-1/${name}`));
    assert.equal(res.status, 404, name);
    assert.ok(!/secret|root:/.test(res.body.toString()), name);
  }
  assert.equal((await raw(withToken('/files/job-1/blend.webm'), { method: 'HEAD' })).status, 200, 'still serving');
});

test('output files and assets answer Range with 206, past-the-end with 416, HEAD without a body', async () => {
  const n = video.length;
  const seed = randomBytes(4).readUInt32LE();
  let s = seed;
  const next = (m: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % m;
  };
  for (let i = 0; i < 20; i++) {
    const start = next(n);
    const end = start + next(n - start);
    const res = await raw(withToken('/files/job-1/blend.webm'), { headers: { range: `bytes=${start}-${end}` } });
    const why = `seed ${seed}: bytes=${start}-${end}`;
    assert.equal(res.status, 206, why);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${n}`, why);
    assert.deepEqual(res.body, video.subarray(start, end + 1), why);
  }
  const whole = await raw(withToken('/files/job-1/blend.webm'));
  assert.equal(whole.status, 200);
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  assert.deepEqual(whole.body, video);
  const past = await raw(withToken('/files/job-1/blend.webm'), { headers: { range: `bytes=${n}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], `bytes */${n}`);
  const head = await raw(withToken('/files/job-1/blend.webm'), { method: 'HEAD' });
  assert.equal(head.headers['content-length'], String(n));
  assert.equal(head.body.length, 0);
  const asset = await raw('/app.js', { headers: { range: 'bytes=-5' } });
  assert.equal(asset.status, 206);
  assert.equal(asset.body.toString(), 'app")');
});

test('a read error half-way through a file ends that response, not the server', async () => {
  let served = 0;
  const http = createServer((_req, res) => {
    served += 1;
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
      },
    });
    void sendReply(res, { status: 200, headers: { 'content-length': '5000' }, body: () => failing as never });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port: p } = http.address() as AddressInfo;
  const get = () =>
    new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: p, path: '/' }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve('complete'));
        res.on('error', () => resolve('aborted'));
        res.on('aborted', () => resolve('aborted'));
      });
      req.on('error', () => resolve('aborted'));
      req.end();
    });
  assert.equal(await get(), 'aborted');
  assert.equal(await get(), 'aborted', 'the server still answers');
  assert.equal(served, 2);
  await new Promise((r) => http.close(r));
});
