import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Frames, frameAt } from '../../../media/frames.ts';
import { writePng } from '../../../media/png.ts';
import { loadFrames } from '../../../nodes/media/load-frames.ts';
import { MediaNodeError } from '../../../nodes/media/node-error.ts';
import { DAVIS_DIR, maxDiff, smoothClip } from '../../media/clips.ts';
import { runNode } from './run-node.ts';

let dir = '';
const clip = smoothClip(61, 11, 15, 19, 4, 24);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-load-frames-'));
  await mkdir(join(dir, 'seq'));
  // Unpadded numbers: 2 must come before 10, as people number frames.
  for (let f = 0; f < clip.frames; f++) await writePng(join(dir, 'seq', `shot_${f + 1}.png`), clip, f);
  await writeFile(join(dir, 'seq', 'notes.txt'), 'not a frame');
});
after(() => rm(dir, { recursive: true, force: true }));

const load = async (params: { path: string; fps?: number; startFrame?: number; maxFrames?: number }) =>
  (await runNode(loadFrames, {}, params, dir)).outputs.video as Frames;

test('load-frames: a PNG sequence with alpha, in number order, exact to 8 bits', async () => {
  const back = await load({ path: join(dir, 'seq'), fps: 12 });
  assert.deepEqual([back.frames, back.width, back.height, back.channels, back.fps], [11, 19, 15, 4, 12]);
  assert.ok(maxDiff(back.data, clip.data) <= 0.5 / 255 + 1e-6, 'frames in order, alpha kept');
});

test('load-frames: a pattern, a start frame and a frame limit', async () => {
  const part = await load({ path: join(dir, 'seq', 'shot_1*.png'), startFrame: 1, maxFrames: 1 });
  // shot_1, shot_10, shot_11 match; the second of them is shot_10, frame index 9.
  assert.equal(part.frames, 1);
  assert.ok(maxDiff(part.data, frameAt(clip, 9).data) <= 0.5 / 255 + 1e-6);
});

test('load-frames: DAVIS masks load as grey RGB', async () => {
  const mask = await load({ path: join(DAVIS_DIR, 'goat', 'mask'), maxFrames: 1 });
  assert.deepEqual([mask.width, mask.height, mask.channels], [720, 480, 3]);
  for (let p = 0; p < 720 * 480; p += 997) assert.equal(mask.data[p * 3], mask.data[p * 3 + 2]);
});

test('load-frames: a missing folder, no matching files and a start past the end are named', async () => {
  const missing = join(dir, 'nowhere', '*.png');
  await assert.rejects(load({ path: missing }), (e: unknown) => {
    return e instanceof MediaNodeError && e.code === 'file-missing' && e.message.includes(join(dir, 'nowhere'));
  });
  const none = join(dir, 'seq', '*.jpg');
  await assert.rejects(load({ path: none }), (e: unknown) => (e as Error).message.includes(none));
  await assert.rejects(load({ path: join(dir, 'seq'), startFrame: 11 }), /has 11 frames; start frame 11/);
});

test('load-frames: the cache key changes when a frame is rewritten, not otherwise', async () => {
  const key = (path: string) => loadFrames.externalKey?.({ path, fps: 24, startFrame: 0, maxFrames: 0 });
  const path = join(dir, 'seq');
  const first = await key(path);
  assert.equal(await key(path), first);
  await writePng(join(dir, 'seq', 'shot_3.png'), clip, 4);
  assert.notEqual(await key(path), first);
  assert.equal(await key(join(dir, 'nowhere', '*.png')), 'missing');
});
