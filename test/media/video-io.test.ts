import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MediaError } from '../../media/errors.ts';
import { runTool } from '../../media/ffmpeg.ts';
import { readFrameSequence } from '../../media/frame-sequence.ts';
import type { Frames } from '../../media/frames.ts';
import { readVideo } from '../../media/read-video.ts';
import { writeVideo } from '../../media/write-video.ts';
import { DAVIS_DIR, maxDiff, meanDiff, smoothClip, uniform } from './clips.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-video-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Channel c of every pixel, optionally only where the source alpha passes `keep`. */
function channel(f: Frames, c: number, keep?: (p: number) => boolean): number[] {
  const out: number[] = [];
  for (let p = 0; p < f.frames * f.height * f.width; p++) if (!keep || keep(p)) out.push(f.data[p * f.channels + c]);
  return out;
}

function colours(f: Frames, keep?: (p: number) => boolean): number[] {
  return [0, 1, 2].flatMap((c) => channel(f, c, keep));
}

test('mp4-h264 round trip: RGB within a lossy tolerance, frame count and fps kept', async () => {
  const clip = smoothClip(1, 5, 32, 48, 3, 12);
  const path = join(dir, 'rgb.mp4');
  await writeVideo(clip, path, 'mp4-h264');
  const back = await readVideo(path);
  assert.deepEqual([back.frames, back.height, back.width, back.channels, back.fps], [5, 32, 48, 3, 12]);
  assert.ok(meanDiff(back.data, clip.data) < 6 / 255, `mean ${meanDiff(back.data, clip.data) * 255}/255`);
});

test('webm-vp9-alpha and prores4444 keep alpha', async () => {
  const clip = smoothClip(2, 4, 30, 42, 4, 8);
  const opaque = (p: number) => clip.data[p * 4 + 3] > 0.5;
  for (const [format, ext, alphaTol, colourTol] of [
    ['webm-vp9-alpha', 'webm', 3, 6],
    ['prores4444', 'mov', 1, 1],
  ] as const) {
    const path = join(dir, `alpha.${ext}`);
    await writeVideo(clip, path, format);
    const back = await readVideo(path);
    assert.equal(back.channels, 4, `${format} read back without alpha`);
    assert.equal(back.frames, 4);
    const alphaErr = meanDiff(channel(back, 3), channel(clip, 3)) * 255;
    assert.ok(alphaErr < alphaTol, `${format} alpha mean error ${alphaErr}/255`);
    const colourErr = meanDiff(colours(back, opaque), colours(clip, opaque)) * 255;
    assert.ok(colourErr < colourTol, `${format} colour mean error ${colourErr}/255`);
  }
});

test('webm-vp9-alpha keeps every frame of busy content (each frame with its alpha)', async () => {
  const rand = uniform(5);
  const frames = 30;
  const data = new Float32Array(frames * 32 * 48 * 4).map(() => rand());
  const path = join(dir, 'noise.webm');
  await writeVideo({ frames, height: 32, width: 48, channels: 4, fps: 8, data }, path, 'webm-vp9-alpha');
  const back = await readVideo(path);
  assert.deepEqual([back.frames, back.channels], [frames, 4]);
});

test('gif keeps colour and thresholded transparency', async () => {
  const clip = smoothClip(3, 3, 24, 30, 4, 10);
  const path = join(dir, 'clip.gif');
  await writeVideo(clip, path, 'gif');
  const back = await readVideo(path);
  assert.deepEqual([back.frames, back.channels], [3, 4]);
  for (let p = 0; p < 3 * 24 * 30; p++) {
    const a = clip.data[p * 4 + 3];
    if (a > 0.6) assert.equal(back.data[p * 4 + 3], 1, `pixel ${p} should be opaque`);
    if (a < 0.4) assert.equal(back.data[p * 4 + 3], 0, `pixel ${p} should be clear`);
  }
  const solid = (p: number) => clip.data[p * 4 + 3] > 0.6;
  assert.ok(meanDiff(colours(back, solid), colours(clip, solid)) < 8 / 255);
});

test('png-seq is exact to 8 bits with alpha, and rewriting replaces the folder', async () => {
  const path = join(dir, 'seq');
  const clip = smoothClip(4, 5, 9, 13, 4, 8);
  await writeVideo(clip, path, 'png-seq');
  await writeVideo({ ...clip, frames: 3, data: clip.data.slice(0, 3 * 9 * 13 * 4) }, path, 'png-seq');
  assert.deepEqual(await readdir(path), ['frame_00001.png', 'frame_00002.png', 'frame_00003.png']);
  const back = await readFrameSequence(path, { fps: 8 });
  assert.deepEqual([back.frames, back.channels], [3, 4]);
  assert.ok(maxDiff(back.data, clip.data.subarray(0, back.data.length)) <= 0.5 / 255 + 1e-6);
});

test('readVideo: maxFrames and size', async () => {
  const path = join(dir, 'sized.mp4');
  await writeVideo(smoothClip(5, 6, 32, 32, 3), path, 'mp4-h264');
  const back = await readVideo(path, { maxFrames: 2, size: { width: 20, height: 14 } });
  assert.deepEqual([back.frames, back.width, back.height], [2, 20, 14]);
  assert.equal(back.data.length, 2 * 20 * 14 * 3);
});

test('H.264 refuses odd sizes by name, or pads them on request', async () => {
  const clip = smoothClip(6, 2, 15, 21, 3);
  const path = join(dir, 'odd.mp4');
  await assert.rejects(writeVideo(clip, path, 'mp4-h264'), (e: unknown) => {
    return e instanceof MediaError && e.code === 'odd-size' && e.message.includes(path) && e.message.includes('21×15');
  });
  await writeVideo(clip, path, 'mp4-h264', { padOdd: true });
  const back = await readVideo(path);
  assert.deepEqual([back.width, back.height], [22, 16]);
});

test('writes are atomic: no temporary files are left beside the outputs', async () => {
  const names = await readdir(dir);
  assert.deepEqual(
    names.filter((n) => n.startsWith('.')),
    [],
  );
});

test('a missing ffprobe is reported with the file, what was tried and an install hint', async () => {
  const saved = process.env.LAYERFLOW_FFPROBE;
  process.env.LAYERFLOW_FFPROBE = join(dir, 'no-ffprobe');
  try {
    await assert.rejects(readVideo(join(dir, 'rgb.mp4')), (e: unknown) => {
      return (
        e instanceof MediaError &&
        e.code === 'ffmpeg-missing' &&
        e.message.includes(`ffprobe is needed for ${join(dir, 'rgb.mp4')}`) &&
        /LAYERFLOW_FFPROBE=.*no-ffprobe is not an executable file/.test(e.message) &&
        /npm install/.test(e.message) &&
        /apt install ffmpeg/.test(e.message)
      );
    });
  } finally {
    restoreEnv('LAYERFLOW_FFPROBE', saved);
  }
});

/** Puts an environment variable back as it was (the suite also runs with LAYERFLOW_FF* set). */
function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

test('alpha that does not survive encoding fails the write, naming the file, and leaves nothing', async () => {
  const fake = join(dir, 'fake-ffprobe.sh');
  const json = JSON.stringify({
    streams: [{ codec_type: 'video', codec_name: 'prores', width: 8, height: 8, pix_fmt: 'yuv422p10le' }],
  });
  await writeFile(fake, `#!/bin/sh\necho '${json}'\n`);
  await chmod(fake, 0o755);
  const saved = process.env.LAYERFLOW_FFPROBE;
  process.env.LAYERFLOW_FFPROBE = fake;
  const path = join(dir, 'lost.mov');
  try {
    await assert.rejects(writeVideo(smoothClip(7, 2, 8, 8, 4), path, 'prores4444'), (e: unknown) => {
      return e instanceof MediaError && e.code === 'alpha-lost' && e.message.includes(path);
    });
  } finally {
    restoreEnv('LAYERFLOW_FFPROBE', saved);
  }
  assert.ok(!(await readdir(dir)).some((n) => n.includes('lost')));
});

test('readFrameSequence: DAVIS PNGs by folder and by pattern, JPG sequences, mismatched sizes named', async () => {
  const fg = await readFrameSequence(join(DAVIS_DIR, 'goat', 'fg'), { maxFrames: 2 });
  assert.deepEqual([fg.frames, fg.width, fg.height, fg.channels], [2, 720, 480, 3]);
  const mask = await readFrameSequence(join(DAVIS_DIR, 'goat', 'mask', '000?.png'), { maxFrames: 3 });
  assert.deepEqual([mask.frames, mask.channels], [3, 3]);
  assert.deepEqual(channel(mask, 0), channel(mask, 2), 'grey masks give equal channels');

  const jpgs = join(dir, 'jpgs');
  const clip = smoothClip(8, 2, 16, 24, 3);
  await writeVideo(clip, join(dir, 'src-seq'), 'png-seq');
  await runTool(
    'ffmpeg',
    ['-v', 'error', '-i', join(dir, 'src-seq', 'frame_%05d.png'), '-q:v', '2', join(dir, 'jpg_%02d.jpg')],
    { file: jpgs },
  );
  const back = await readFrameSequence(join(dir, 'jpg_*.jpg'));
  assert.deepEqual([back.frames, back.width, back.height, back.channels], [2, 24, 16, 3]);
  assert.ok(meanDiff(back.data, clip.data) < 6 / 255);

  await writeVideo(smoothClip(9, 1, 10, 10, 3), join(dir, 'other'), 'png-seq');
  await runTool('ffmpeg', ['-v', 'error', '-i', join(dir, 'other', 'frame_00001.png'), join(dir, 'jpg_03.jpg')], {
    file: jpgs,
  });
  await assert.rejects(readFrameSequence(join(dir, 'jpg_*.jpg')), (e: unknown) => {
    return e instanceof MediaError && e.code === 'shape-mismatch' && e.message.includes('jpg_03.jpg');
  });
});
