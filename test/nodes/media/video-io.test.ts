import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frames } from '../../../media/frames.ts';
import { decodePng } from '../../../media/png.ts';
import { probeVideo, streamFps, streamHasAlpha } from '../../../media/probe.ts';
import { loadFrames } from '../../../nodes/media/load-frames.ts';
import { loadVideo } from '../../../nodes/media/load-video.ts';
import { MediaNodeError } from '../../../nodes/media/node-error.ts';
import { saveVideo } from '../../../nodes/media/save-video.ts';
import { layerTracks, showTracks } from '../../../renderer/run/layer-tracks.ts';
import { maxDiff, meanDiff, smoothClip } from '../../media/clips.ts';
import { inferNode, runNode, video } from './run-node.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-video-nodes-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** An RGB clip and a grey matte (its alpha has clear, opaque and soft parts), odd-sized. */
const rgb = smoothClip(51, 4, 21, 33, 3, 12);
const rgba = smoothClip(52, 4, 21, 33, 4, 12);
const matte: Frames = {
  ...rgb,
  data: new Float32Array(rgb.data.length).map((_, i) => rgba.data[Math.floor(i / 3) * 4 + 3]),
};

function channel(f: Frames, c: number): Float32Array {
  return new Float32Array(f.frames * f.height * f.width).map((_, p) => f.data[p * f.channels + c]);
}

/** The top-left width×height of every frame. */
function crop(f: Frames, width: number, height: number): Frames {
  const data = new Float32Array(f.frames * height * width * f.channels);
  for (let i = 0; i < f.frames * height; i++) {
    const src = (Math.floor(i / height) * f.height + (i % height)) * f.width * f.channels;
    data.set(f.data.subarray(src, src + width * f.channels), i * width * f.channels);
  }
  return { ...f, width, height, data };
}

async function load(path: string, params: Record<string, unknown> = {}): Promise<Frames> {
  return (await runNode(loadVideo, {}, { path, ...params }, dir)).outputs.video as Frames;
}

test('save-video: every format round-trips, and alpha is there exactly when the format keeps it', async () => {
  const cases = [
    // mean errors (0..255) allowed; measured: VP9 colour 3.8, alpha 0.56; ProRes 0.27, 0.27; GIF colour 3.6
    { format: 'mp4-h264', file: 'mp4.mp4', alpha: false, colour: 0, alphaErr: 0 },
    { format: 'webm-vp9-alpha', file: 'webm.webm', alpha: true, colour: 6, alphaErr: 2 },
    { format: 'prores4444', file: 'mov.mov', alpha: true, colour: 1, alphaErr: 1 },
    { format: 'gif', file: 'gif.gif', alpha: true, colour: 8, alphaErr: 0 },
  ] as const;
  for (const c of cases) {
    const inputs = c.alpha ? { video: rgb, alpha: matte } : { video: rgb };
    const name = c.file.split('.')[0];
    const { outputs, recorded } = await runNode(saveVideo, inputs, { format: c.format, filename: name }, dir);
    assert.equal(outputs.file, join(dir, c.file));
    const withAlpha = c.alpha ? [c.file] : [];
    assert.deepEqual(recorded.facts, { files: [c.file], format: c.format, alpha: c.alpha, withAlpha });
    const stream = await probeVideo(join(dir, c.file));
    assert.equal(streamHasAlpha(stream), c.alpha, `${c.format}: pixel format ${stream.pix_fmt}`);
    const back = await load(join(dir, c.file));
    // H.264 needs even sizes: odd ones are padded by a pixel, and the node says so.
    const padded = c.format === 'mp4-h264';
    const size = padded ? [34, 22] : [33, 21];
    assert.deepEqual([back.frames, back.width, back.height, back.channels], [4, ...size, c.alpha ? 4 : 3]);
    // GIF stores frame delays in 1/100 s: 1/12 s becomes 8/100 s, 12.5 fps.
    assert.equal(back.fps, c.format === 'gif' ? 12.5 : 12);
    if (padded) {
      assert.match(recorded.logs[0].message, /33×21 padded/);
      const err = meanDiff(channel(crop(back, 33, 21), 1), channel(rgb, 1)) * 255;
      assert.ok(err < 6, `H.264 mean colour error ${err.toFixed(2)}/255 inside the padding`);
      continue;
    }
    // Colour is compared where it is visible (GIF keeps none under its transparent index).
    const visible = (v: Float32Array) => v.filter((_, p) => matte.data[p * 3] > 0.55);
    const colourErr = meanDiff(visible(channel(back, 1)), visible(channel(rgb, 1))) * 255;
    assert.ok(colourErr < c.colour, `${c.format}: mean colour error ${colourErr.toFixed(2)}/255`);
    if (c.format === 'gif') {
      // GIF alpha is 1-bit: clear below half opacity, opaque above.
      const a = channel(back, 3);
      const m = channel(matte, 0);
      const wrong = a.filter((v, p) => Math.abs(m[p] - 0.5) > 0.05 && v > 0.5 !== m[p] > 0.5).length;
      assert.equal(wrong, 0);
    } else {
      const alphaErr = meanDiff(channel(back, 3), channel(matte, 0)) * 255;
      assert.ok(alphaErr < c.alphaErr, `${c.format}: mean alpha error ${alphaErr.toFixed(2)}/255`);
    }
  }
  const left = (await readdir(dir)).filter((n) => n.includes('.tmp'));
  assert.deepEqual(left, [], 'no temporary files are left');
});

test('save-video png-seq: a folder of RGBA PNGs, exact to 8 bits; load-frames reads it back', async () => {
  const { outputs, recorded } = await runNode(saveVideo, { video: rgba }, { format: 'png-seq' }, dir, 'pngs');
  assert.equal(outputs.file, join(dir, 'pngs'));
  assert.deepEqual(recorded.facts.files, ['pngs']);
  const names = await readdir(join(dir, 'pngs'));
  assert.deepEqual(names.sort(), ['frame_00001.png', 'frame_00002.png', 'frame_00003.png', 'frame_00004.png']);
  assert.equal(decodePng(await readFile(join(dir, 'pngs', names[0])), names[0]).alpha, true);
  const back = (await runNode(loadFrames, {}, { path: join(dir, 'pngs'), fps: 12 }, dir)).outputs.video as Frames;
  assert.deepEqual([back.frames, back.width, back.height, back.channels, back.fps], [4, 33, 21, 4, 12]);
  assert.ok(maxDiff(back.data, rgba.data) <= 0.5 / 255 + 1e-6);
  const part = (
    await runNode(loadFrames, {}, { path: join(dir, 'pngs', 'frame_*.png'), startFrame: 1, maxFrames: 2 }, dir)
  ).outputs.video as Frames;
  assert.equal(part.frames, 2);
  assert.deepEqual(part.data, back.data.slice(33 * 21 * 4, 3 * 33 * 21 * 4));
});

test('save-video 8-bit conversion: rounds by default; truncate writes the reference’s bytes', async () => {
  const pngBytes = async (name: string) => {
    const file = join(dir, name, 'frame_00001.png');
    return decodePng(await readFile(file), file).rgba;
  };
  await runNode(saveVideo, { video: rgba }, { format: 'png-seq' }, dir, 'rounded');
  await runNode(saveVideo, { video: rgba }, { format: 'png-seq', quantize: 'truncate' }, dir, 'truncated');
  const [rounded, truncated] = [await pngBytes('rounded'), await pngBytes('truncated')];
  let differ = 0;
  for (let i = 0; i < rounded.length; i++) {
    const v = rgba.data[i];
    assert.equal(rounded[i], Math.round(v * 255), `rounded byte ${i}`);
    assert.equal(truncated[i], Math.floor(Math.fround(v * 255)), `truncated byte ${i}`);
    if (rounded[i] !== truncated[i]) differ++;
  }
  assert.ok(differ > rounded.length / 4, 'the two conversions differ on this clip');
});

test('save-video of layers: one file per layer, as they are, in a folder the run viewer reads in order', async () => {
  const layers = {
    layers: ['foreground', 'alpha', 'background', 'blend'],
    clips: { foreground: rgb, alpha: { ...matte, channels: 1, data: channel(matte, 0) }, background: rgb, blend: rgb },
  };
  const { outputs, recorded } = await runNode(saveVideo, { layers }, { filename: 'layered', fps: 8 }, dir);
  assert.equal(outputs.file, join(dir, 'layered'));
  const files = ['foreground', 'alpha', 'background', 'blend'].map((l) => `layered/${l}.webm`);
  assert.deepEqual(recorded.facts, { files, format: 'webm-vp9-alpha', alpha: false, withAlpha: [] });
  assert.equal(streamFps(await probeVideo(join(dir, 'layered/blend.webm'))), 8);
  const fg = await load(join(dir, 'layered/foreground.webm'));
  assert.ok(meanDiff(channel(fg, 3), new Float32Array(fg.frames * 21 * 33).fill(1)) < 1 / 255, 'written opaque');
  const matteBack = await load(join(dir, 'layered/alpha.webm'));
  assert.ok(meanDiff(channel(matteBack, 0), channel(matte, 0)) < 4 / 255, 'the alpha layer is saved as a grey matte');
  const tracks = layerTracks(files.map((path) => ({ path, size: 1, url: `/files/job/${path}` })));
  assert.deepEqual(
    tracks.map((t) => t.name),
    files.map((f) => f.replace('.webm', '')),
  );
  // The layers are written opaque, so none is shown on a checkerboard, whatever its name.
  const shown = showTracks(tracks, { facts: { save: recorded.facts as { files: string[]; withAlpha: string[] } } });
  assert.deepEqual(
    shown.map((t) => t.alpha),
    [false, false, false, false],
  );
});

test('save-video infer: nothing to save, an alpha the format drops, an alpha without a video, two inputs', () => {
  const issues = (inputs: Record<string, ReturnType<typeof video>>, format = 'webm-vp9-alpha' as const) =>
    inferNode(saveVideo, inputs, { format }).issues?.map((i) => `${i.field}:${i.code}`);
  assert.deepEqual(issues({}), ['video:no-input']);
  assert.deepEqual(issues({ video: video(4, 32, 32) }), []);
  assert.deepEqual(
    inferNode(saveVideo, { video: video(4, 32, 32), alpha: video(4, 32, 32) }, { format: 'mp4-h264' }).issues?.map(
      (i) => `${i.field}:${i.code}`,
    ),
    ['format:format-drops-alpha'],
  );
  assert.deepEqual(issues({ layers: { kind: 'LayeredVideo' }, alpha: video(4, 32, 32) }), [
    'alpha:alpha-without-video',
  ]);
  assert.deepEqual(issues({ layers: { kind: 'LayeredVideo' }, video: video(4, 32, 32) }), ['layers:two-inputs']);
  assert.deepEqual(issues({ video: video(4, 32, 32), alpha: video(3, 32, 32) }), ['alpha:shape-mismatch']);
});

test('load-video: start frame, max frames and an fps override; the cache key follows the file', async () => {
  await runNode(saveVideo, { video: rgba }, { format: 'prores4444', filename: 'range' }, dir);
  const path = join(dir, 'range.mov');
  const all = await load(path);
  const part = await load(path, { startFrame: 1, maxFrames: 2, fps: 30 });
  assert.deepEqual([part.frames, part.fps, part.channels], [2, 30, 4]);
  const n = 33 * 21 * 4;
  assert.deepEqual(part.data, all.data.slice(n, 3 * n));
  await assert.rejects(load(path, { startFrame: 4 }), (e: unknown) => {
    return e instanceof MediaNodeError && e.field === 'startFrame' && /has 4 frames; start frame 4/.test(e.message);
  });
  const key = loadVideo.externalKey;
  assert.ok(key);
  const before = await key({ path, startFrame: 0, maxFrames: 0, fps: 0 });
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(await key({ path, startFrame: 0, maxFrames: 0, fps: 0 }), before);
});

test('load-video: a missing, a folder or an unreadable path fails naming the file', async () => {
  const missing = join(dir, 'no-such-clip.mp4');
  const fails = (path: string, code: string, re: RegExp) =>
    assert.rejects(load(path), (e: unknown) => {
      const ok = (e as { code?: string }).code === code && re.test((e as Error).message);
      return ok && (e as Error).message.includes(path);
    });
  await fails(missing, 'file-missing', /not found/);
  await fails(dir, 'not-a-file', /is not a file/);
  const text = join(dir, 'notes.mp4');
  await writeFile(text, 'not a video');
  await fails(text, 'ffmpeg-failed', /ffprobe failed/);
  assert.equal(await loadVideo.externalKey?.({ path: missing, startFrame: 0, maxFrames: 0, fps: 0 }), 'missing');
  const image = inferNode(loadVideo, {}, { path: 'shot/0001.png' }).issues;
  assert.equal(image?.[0]?.field, 'path');
});

test('load-video and load-frames pass their fallback on while no file is chosen, and only then', async () => {
  for (const spec of [loadVideo, loadFrames] as const) {
    const fallbackType = video(16, 64, 64);
    assert.deepEqual(inferNode(spec, { fallback: fallbackType }, { path: '' }), {
      outputs: { video: fallbackType },
      issues: [],
    });
    const lonely = inferNode(spec, {}, { path: '' }).issues ?? [];
    assert.deepEqual(
      lonely.map((i) => [i.field, i.code]),
      [['path', 'no-file']],
      `${spec.type}: empty and nothing to fall back on`,
    );
    const { outputs } = await runNode(spec, { fallback: rgb }, { path: '' }, dir);
    assert.equal(outputs.video, rgb, `${spec.type} passes the fallback on`);
    await assert.rejects(runNode(spec, {}, { path: '' }, dir), (e: { code?: string; field?: string }) => {
      return e.code === 'no-file' && e.field === 'path';
    });
  }
  // A chosen file wins over the fallback.
  const path = join(dir, 'chosen.mp4');
  await runNode(saveVideo, { video: rgb }, { format: 'mp4-h264', filename: 'chosen' }, dir);
  const chosen = (await runNode(loadVideo, { fallback: rgba }, { path }, dir)).outputs.video as Frames;
  assert.deepEqual([chosen.width, chosen.height, chosen.channels], [rgb.width + 1, rgb.height + 1, 3]);
});
