import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { safeFileName, UploadChunkSchema, uploadReceiver } from '../../api/uploads.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-uploads-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 251));

function chunks(name: string, uploadId: string, size = 300, folder?: string) {
  const out = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    const data = bytes.subarray(offset, offset + size).toString('base64');
    out.push({ uploadId, name, size: bytes.length, offset, data, ...(folder ? { folder } : {}) });
  }
  return out;
}

test('a file arrives chunk by chunk under a safe, fresh name in the input folder', async () => {
  const receive = uploadReceiver(join(dir, 'inputs'));
  let last: { received: number; path?: string } = { received: 0 };
  for (const c of chunks('../../etc/My Clip:1.MP4', 'upload-aaaa1')) last = await receive(UploadChunkSchema.parse(c));
  assert.equal(last.path, join(dir, 'inputs', 'My Clip_1.mp4'));
  assert.deepEqual(await readFile(last.path), bytes);
  // The same name again: a new file beside it, nothing overwritten.
  for (const c of chunks('My Clip:1.MP4', 'upload-aaaa2')) last = await receive(UploadChunkSchema.parse(c));
  assert.equal(last.path, join(dir, 'inputs', 'My Clip_1-2.mp4'));
  assert.deepEqual((await readdir(join(dir, 'inputs'))).sort(), ['My Clip_1-2.mp4', 'My Clip_1.mp4']);
});

test('an image sequence goes into a folder of its own, whose path is the answer', async () => {
  const receive = uploadReceiver(join(dir, 'inputs'));
  const [first, ...rest] = chunks('frame_0001.png', 'upload-bbbb1', 1000, 'shot 3/fg');
  assert.equal(rest.length, 0);
  const r = await receive(UploadChunkSchema.parse(first));
  assert.equal(r.path, join(dir, 'inputs', 'fg'));
  assert.deepEqual(await readdir(r.path), ['frame_0001.png']);
});

test('chunks out of order, oversize files and other file types are refused', async () => {
  const receive = uploadReceiver(join(dir, 'inputs'));
  const [, second] = chunks('clip.webm', 'upload-cccc1');
  await assert.rejects(receive(UploadChunkSchema.parse(second)), /chunk at byte 300, but 0 received/);
  const parse = (c: object) => UploadChunkSchema.safeParse(c).success;
  const ok = chunks('clip.webm', 'upload-cccc2')[0];
  assert.equal(parse(ok), true);
  assert.equal(parse({ ...ok, name: 'run.sh' }), false);
  assert.equal(parse({ ...ok, size: 3 * 1024 ** 3 }), false);
  assert.equal(parse({ ...ok, uploadId: '../x' }), false);
  assert.equal(safeFileName('...'), 'upload');
});
