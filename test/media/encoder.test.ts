import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEncoder, webmHasAlpha } from '../../media/encoder.ts';
import { keepSpareEncoders, spareCounts, takeEncoder } from '../../media/encoder-pool.ts';
import { runTool } from '../../media/ffmpeg.ts';
import { readVideo } from '../../media/read-video.ts';
import { writeVideo } from '../../media/write-video.ts';
import { meanDiff, smoothClip } from './clips.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-encoder-'));
});
after(async () => {
  keepSpareEncoders(0);
  await rm(dir, { recursive: true, force: true });
});

/** Lets a zero-delay timer (the spare's start) fire. */
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

test('an encoder started before its clip exists writes it at the fps given, odd size padded, no temp file left', async () => {
  const encoder = startEncoder('mp4-h264', { padOdd: true }, dir);
  const clip = smoothClip(1, 5, 31, 47, 3, 12); // odd size, not known when ffmpeg started
  const path = join(dir, 'early.mp4');
  await encoder.finish(clip, path, 29.97);
  const back = await readVideo(path);
  assert.deepEqual([back.frames, back.width, back.height], [5, 48, 32]);
  assert.ok(Math.abs(back.fps - 29.97) < 0.01, `fps ${back.fps}`);
  const inside = back.data.filter((_, i) => Math.floor(i / 3) % 48 < 47 && Math.floor(i / (3 * 48)) % 32 < 31);
  // lossy and chroma-subsampled on a tiny odd frame: the padding column shares chroma with the edge
  assert.ok(meanDiff(inside, clip.data) < 8 / 255, `mean ${meanDiff(inside, clip.data) * 255}/255`);
  assert.deepEqual(await readdir(dir), ['early.mp4']);
});

test('an encoder ended unused leaves nothing, and one given for another format is ended and replaced', async () => {
  const sub = await mkdtemp(join(dir, 'cancel-'));
  await startEncoder('webm-vp9-alpha', {}, sub).cancel();
  assert.deepEqual(await readdir(sub), []);
  const mismatched = startEncoder('gif', {}, sub);
  const path = join(sub, 'right.webm');
  await writeVideo(smoothClip(2, 3, 16, 16, 4), path, 'webm-vp9-alpha', { encoder: mismatched });
  assert.equal((await readVideo(path)).channels, 4);
  assert.deepEqual(await readdir(sub), ['right.webm']);
});

test('WebM alpha is read from the header: VP9 with alpha has it, without alpha not; fast and small both keep it', async () => {
  for (const speed of ['fast', 'small'] as const) {
    const path = join(dir, `alpha-${speed}.webm`);
    await writeVideo(smoothClip(3, 3, 24, 32, 4), path, 'webm-vp9-alpha', { speed });
    assert.equal(await webmHasAlpha(path), true, speed);
  }
  await assert.rejects(webmHasAlpha(join(dir, 'missing.webm')));
  const plain = join(dir, 'plain.webm');
  await runTool(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'color=red:s=16x16:d=0.5', '-c:v', 'libvpx-vp9', '-f', 'webm', plain],
    { file: plain },
  );
  assert.equal(await webmHasAlpha(plain), false);
});

test('spare encoders: kept after one is used, taken by the next save of that kind, ended when turned off', async () => {
  keepSpareEncoders(1, { delayMs: 0 });
  try {
    const first = takeEncoder('mp4-h264', { padOdd: true });
    assert.deepEqual(spareCounts()['mp4-h264 fast true'] ?? 0, 0);
    await first.finish(smoothClip(4, 2, 16, 16, 3), join(dir, 'one.mp4'));
    await turn();
    assert.equal(spareCounts()['mp4-h264 fast true'], 1, 'a spare started after the first was used');
    const second = takeEncoder('mp4-h264', { padOdd: true });
    assert.equal(spareCounts()['mp4-h264 fast true'], 0, 'the spare was taken');
    await second.finish(smoothClip(5, 2, 16, 16, 3), join(dir, 'two.mp4'));
    assert.equal((await readVideo(join(dir, 'two.mp4'))).frames, 2);
    await turn();
    assert.equal(spareCounts()['mp4-h264 fast true'], 1);
  } finally {
    keepSpareEncoders(0);
  }
  assert.equal(spareCounts()['mp4-h264 fast true'], 0);
});
