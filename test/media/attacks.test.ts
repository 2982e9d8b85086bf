import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { readFrameSequence } from '../../media/frame-sequence.ts';
import type { Frames } from '../../media/frames.ts';
import { decodePng } from '../../media/png.ts';
import { readVideo } from '../../media/read-video.ts';
import { writeVideo } from '../../media/write-video.ts';
import { processesMentioning, until } from '../cli/processes.ts';

/** Hostile media: file names ffmpeg would read as options or protocols, headers declaring huge pictures, cancel. */

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-media-attack-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function flat(rgb: [number, number, number], frames = 2, size = 16): Frames {
  const data = new Float32Array(frames * size * size * 3);
  for (let p = 0; p < data.length; p += 3) data.set(rgb, p);
  return { frames, height: size, width: size, channels: 3, fps: 8, data };
}

test('a file named like an option or a protocol is read as that file, nothing else', async () => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await writeVideo(flat([1, 0, 0]), join(dir, 'a.mp4'), 'mp4-h264');
    await writeVideo(flat([0, 1, 0]), join(dir, 'concat:a.mp4'), 'mp4-h264');
    await writeVideo(flat([0, 0, 1]), join(dir, '-report.mp4'), 'mp4-h264');
    const green = await readVideo('concat:a.mp4');
    assert.ok(
      green.data[1] > 0.8 && green.data[0] < 0.2,
      `concat:a.mp4 is the green file, not a.mp4: ${green.data.slice(0, 3)}`,
    );
    const blue = await readVideo('-report.mp4');
    assert.ok(blue.data[2] > 0.8, '-report.mp4 is a file, not the -report option');
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.log')), 'ffmpeg wrote no report');
    await assert.rejects(readVideo('http://127.0.0.1:9/x.mp4'), /No such file|not found|ffprobe failed/i);
  } finally {
    process.chdir(cwd);
  }
});

test('a small mp4 declaring 8192×8192 × 40 frames is refused before decoding', async () => {
  const path = join(dir, 'huge.mp4');
  // A tiny, nearly empty stream at a huge size: a few hundred KB on disk, 10 GB decoded as float.
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=black:s=8192x8192:r=8:d=5'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '51', '-pix_fmt', 'yuv420p', path],
  ]);
  await assert.rejects(readVideo(path), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'too-large');
    assert.match(err.message, /huge\.mp4: .*8192×8192/);
    return true;
  });
});

test('a video whose header understates its length stops decoding at the limit', async () => {
  const path = join(dir, 'long.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=1920x1080:r=30:d=3'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '51', '-pix_fmt', 'yuv420p', path],
  ]);
  // 90 frames of 1080p are over the 64-frame clip limit whatever the header says.
  await assert.rejects(readVideo(path), /too-large|more than/);
  const some = await readVideo(path, { maxFrames: 8 });
  assert.equal(some.frames, 8);
});

/** A valid PNG header (signature + IHDR) declaring `width`×`height`, with no pixel data after it. */
function pngHeader(width: number, height: number): Buffer {
  const small = PNG.sync.write(Object.assign(new PNG({ width: 1, height: 1 }), { data: Buffer.alloc(4, 255) }));
  const out = Buffer.from(small);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  return out;
}

test('a 20000×20000 PNG is refused from its header, alone or in a sequence', async () => {
  assert.throws(() => decodePng(pngHeader(20000, 20000), 'bomb.png'), /bomb\.png: a 20000×20000 picture/);
  const frames = join(dir, 'frames');
  execFileSync('mkdir', ['-p', frames]);
  await writeFile(join(frames, 'f1.png'), pngHeader(20000, 20000));
  await assert.rejects(readFrameSequence(frames), /20000×20000/);
});

test('aborting an encode kills ffmpeg at once and leaves no temp file', {
  skip: process.platform !== 'linux',
}, async () => {
  const out = join(dir, 'cancel');
  execFileSync('mkdir', ['-p', out]);
  const noise = flat([0.5, 0.5, 0.5], 48, 256);
  for (let i = 0; i < noise.data.length; i++) noise.data[i] = Math.random();
  const controller = new AbortController();
  const writing = writeVideo(noise, join(out, 'noise.webm'), 'webm-vp9-alpha', {}, controller.signal);
  const [pid] = await until(async () => {
    const found = await processesMentioning(out);
    return found.length > 0 && found;
  }, 'ffmpeg to start');
  controller.abort(new Error('cancelled by the test'));
  await assert.rejects(writing, /cancelled by the test/);
  assert.throws(() => process.kill(pid, 0), 'ffmpeg is gone once the write has failed');
  assert.deepEqual(await readdir(out), []);
});
