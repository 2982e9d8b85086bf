import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { checkRedisUrl, redactUrl } from '../../farm/redis.ts';
import { type PrivateRedis, startRedis } from '../../farm/redis-process.ts';
import { RemoteJobs } from '../../farm/remote-jobs.ts';
import { createRegistry } from '../../nodes/index.ts';
import { cli } from '../cli/cli-process.ts';

const run = promisify(execFile);
let dir = '';
let redis: PrivateRedis;
const PASSWORD = 'farm s3cret/+';

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function certificates(at: string) {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: at });
  await ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=farm test CA',
  );
  await ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  await writeFile(join(at, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  return { ca: join(at, 'ca.crt'), cert: join(at, 'server.crt'), key: join(at, 'server.key') };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-redis-tls-'));
  await mkdir(join(dir, 'data'));
  const tls = await certificates(dir);
  redis = await startRedis(join(dir, 'data'), ['--requirepass', PASSWORD], tls);
  process.env.LAYERFLOW_REDIS_CA = tls.ca;
});
after(async () => {
  delete process.env.LAYERFLOW_REDIS_CA;
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const withPassword = (url: string, password: string) => url.replace('://', `://:${encodeURIComponent(password)}@`);

test('Redis URLs: redis:// or rediss:// with a host; passwords never shown', () => {
  assert.equal(checkRedisUrl('rediss://:pw@farm:6380/2').hostname, 'farm');
  assert.throws(() => checkRedisUrl('http://farm:6379'), /redis:\/\/ or rediss:\/\//);
  assert.throws(() => checkRedisUrl('farm:6379'), /scheme|not a URL/);
  assert.equal(redactUrl('rediss://user:hunter2@farm:6380'), 'rediss://user:***@farm:6380');
  assert.equal(redactUrl('redis://farm:6379'), 'redis://farm:6379');
});

test('the farm over TLS with a password: jobs go in and come back out', async () => {
  const farm = await RemoteJobs.connect({ url: withPassword(redis.url, PASSWORD), registry: createRegistry() });
  try {
    const wf = {
      schemaVersion: 2,
      nodes: { n: { type: 'core.number', typeVersion: 1, params: { value: 2 }, inputs: {} } },
    };
    const job = await farm.submit(wf, { jobId: 'tls-1', title: 'over TLS' });
    assert.equal(job.status, 'queued');
    assert.deepEqual(
      (await farm.list()).map((j) => [j.id, j.title, j.status]),
      [['tls-1', 'over TLS', 'queued']],
    );
  } finally {
    await farm.close();
  }
});

test('a wrong password fails at once with the URL redacted, from the library and the CLI', async () => {
  await assert.rejects(
    RemoteJobs.connect({ url: withPassword(redis.url, 'wrong'), registry: createRegistry() }),
    (err: Error) => /refused the credentials/.test(err.message) && !err.message.includes('wrong'),
  );
  const r = await cli(['workers', '--redis', withPassword(redis.url, 'wrong')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /refused the credentials/);
  assert.doesNotMatch(r.stderr, /:wrong@/);
});
