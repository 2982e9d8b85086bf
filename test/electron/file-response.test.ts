import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { byteRange, fileResponse } from '../../electron/file-response.ts';

let dir: string;
let video: string;
const bytes = randomBytes(100_003);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layerflow-file-response-'));
  video = join(dir, 'fg.webm');
  await writeFile(video, bytes);
});
after(() => rm(dir, { recursive: true, force: true }));

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fileResponse(dir, path, new Request('layerflow://files/j/x', { method, headers }));

test('the whole file comes back with its type and length when no range is asked', async () => {
  const r = await get(video);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'video/webm');
  assert.equal(r.headers.get('content-length'), String(bytes.length));
  assert.equal(r.headers.get('accept-ranges'), 'bytes');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
});

test('random ranges answer 206 with exactly those bytes and a matching Content-Range', async () => {
  const seed = Math.floor(Math.random() * 2 ** 31);
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  for (let i = 0; i < 40; i++) {
    const start = next(bytes.length);
    const end = start + next(bytes.length - start);
    const r = await get(video, { range: `bytes=${start}-${end}` });
    const msg = `seed ${seed}, bytes=${start}-${end}`;
    assert.equal(r.status, 206, msg);
    assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/${bytes.length}`, msg);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes.subarray(start, end + 1), msg);
  }
});

test('open-ended and suffix ranges, and an end past the file, are clamped to the file', async () => {
  const n = bytes.length;
  const cases: [string, number, number][] = [
    ['bytes=99990-', 99990, n - 1],
    ['bytes=-7', n - 7, n - 1],
    ['bytes=-200000', 0, n - 1],
    ['bytes=5-999999', 5, n - 1],
  ];
  for (const [header, start, end] of cases) {
    const r = await get(video, { range: header });
    assert.equal(r.status, 206, header);
    assert.equal(r.headers.get('content-range'), `bytes ${start}-${end}/${n}`, header);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes.subarray(start, end + 1), header);
  }
});

test('a range past the end is 416; a malformed or multi-part one gets the whole file', async () => {
  const r = await get(video, { range: `bytes=${bytes.length}-` });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), `bytes */${bytes.length}`);
  for (const header of ['bytes=0-1,5-9', 'items=0-3', 'bytes=-', 'bytes=abc']) {
    assert.equal(byteRange(header, bytes.length), undefined, header);
    assert.equal((await get(video, { range: header })).status, 200, header);
  }
});

test('HEAD has the headers and no body; a missing file or a folder is 404', async () => {
  const head = await get(video, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(bytes.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  assert.equal((await get(join(dir, 'missing.mp4'))).status, 404);
  assert.equal((await get(dir)).status, 404);
});

test('an unknown extension is served as opaque bytes, not sniffed', async () => {
  const path = join(dir, 'weights.bin');
  await writeFile(path, '<script>alert(1)</script>');
  const r = await get(path);
  assert.equal(r.headers.get('content-type'), 'application/octet-stream');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});
