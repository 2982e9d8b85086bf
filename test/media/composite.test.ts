import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composite } from '../../media/composite.ts';
import { MediaError } from '../../media/errors.ts';
import { runTool } from '../../media/ffmpeg.ts';
import { readFrameSequence } from '../../media/frame-sequence.ts';
import { type Frames, toBytes } from '../../media/frames.ts';
import { DAVIS_DIR, maxDiff, meanDiff, smoothClip } from './clips.ts';

/** The over operator written out per pixel, as the independent reference for the fast loops. */
function overPixel(
  fg: Frames,
  bg: Frames,
  f: number,
  x: number,
  y: number,
  ox: number,
  oy: number,
  opacity: number,
): number[] {
  const b = ((f * bg.height + y) * bg.width + x) * bg.channels;
  const back = Array.from(bg.data.subarray(b, b + bg.channels));
  const fx = x - ox;
  const fy = y - oy;
  if (fx < 0 || fy < 0 || fx >= fg.width || fy >= fg.height) return back;
  const i = ((f * fg.height + fy) * fg.width + fx) * fg.channels;
  const a = (fg.channels === 4 ? fg.data[i + 3] : 1) * opacity;
  const ab = bg.channels === 4 ? back[3] : 1;
  const aOut = a + ab * (1 - a);
  const rgb = [0, 1, 2].map((c) => (fg.data[i + c] * a + back[c] * ab * (1 - a)) / (aOut || 1));
  return bg.channels === 4 ? [...rgb, aOut] : rgb;
}

function expected(fg: Frames, bg: Frames, ox: number, oy: number, opacity: number): Float32Array {
  const out = new Float32Array(bg.data.length);
  for (let f = 0; f < bg.frames; f++)
    for (let y = 0; y < bg.height; y++)
      for (let x = 0; x < bg.width; x++)
        out.set(overPixel(fg, bg, f, x, y, ox, oy, opacity), ((f * bg.height + y) * bg.width + x) * bg.channels);
  return out;
}

test('composite: straight fg over opaque and transparent backgrounds, offset partly outside, opacity', () => {
  const fg = smoothClip(1, 3, 13, 17, 4);
  for (const bg of [smoothClip(2, 3, 21, 19, 3), smoothClip(3, 3, 21, 19, 4)]) {
    for (const [ox, oy, opacity] of [
      [0, 0, 1],
      [7, -4, 0.6],
      [-5, 11, 0.25],
    ]) {
      const out = composite({ fg, bg, offset: { x: ox, y: oy }, opacity });
      assert.equal(out.channels, bg.channels);
      assert.ok(maxDiff(out.data, expected(fg, bg, ox, oy, opacity)) < 1e-6, `bg ${bg.channels}ch offset ${ox},${oy}`);
    }
  }
});

test('composite: premultiplied input gives the same result as its straight form', () => {
  const fg = smoothClip(4, 2, 11, 9, 4);
  const bg = smoothClip(5, 2, 11, 9, 3);
  const pre = { ...fg, data: fg.data.map((v, i) => (i % 4 === 3 ? v : v * fg.data[i - (i % 4) + 3])) };
  const a = composite({ fg, bg, opacity: 0.7 });
  const b = composite({ fg: pre, bg, mode: 'premultiplied', opacity: 0.7 });
  assert.ok(maxDiff(a.data, b.data) < 1e-6);
});

test('composite: a separate matte replaces fg alpha; a flat colour background takes fg size', () => {
  const fg = smoothClip(6, 2, 7, 9, 3);
  const matteRgba = smoothClip(7, 2, 7, 9, 4);
  const matte = { ...fg, data: new Float32Array(fg.data.length) };
  for (let p = 0; p < 2 * 7 * 9; p++) matte.data.fill(matteRgba.data[p * 4 + 3], p * 3, p * 3 + 3);
  const withAlpha = {
    ...matteRgba,
    data: matteRgba.data.map((v, i) => (i % 4 === 3 ? v : fg.data[(i >> 2) * 3 + (i % 4)])),
  };
  const color = [0.2, 0.5, 0.9] as [number, number, number];
  const flat = { ...fg, data: fg.data.map((_, i) => color[i % 3]) };
  const out = composite({ fg, alpha: matte, color });
  assert.deepEqual([out.width, out.height, out.channels], [9, 7, 3]);
  assert.ok(maxDiff(out.data, composite({ fg: withAlpha, bg: flat }).data) < 1e-6);
});

test('composite: mismatched inputs are named', () => {
  const fg = smoothClip(8, 3, 8, 8, 4);
  const check = (fn: () => unknown, input: string, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof MediaError && e.place?.input === input && re.test(e.message));
  check(() => composite({ fg, bg: smoothClip(9, 2, 8, 8, 3) }), 'bg', /bg has 2 frames but fg has 3/);
  check(
    () => composite({ fg, alpha: smoothClip(9, 3, 8, 9, 3), color: [0, 0, 0] }),
    'alpha',
    /alpha is 9×8 but fg is 8×8/,
  );
  check(() => composite({ fg: { ...fg, data: new Float32Array(5) }, color: [0, 0, 0] }), 'fg', /data holds 5 values/);
  check(() => composite({ fg }), 'bg', /needs a bg clip or a background color/);
  assert.throws(() => composite({ fg, color: [0, 0, 0], offset: { x: 1.5, y: 0 } }));
});

test('composite: matches ffmpeg overlay (straight alpha) within 1/255 + rounding', async () => {
  const fg = smoothClip(10, 3, 23, 31, 4);
  const bg = smoothClip(11, 3, 37, 45, 3);
  const [ox, oy] = [9, -6];
  const dir = await mkdtemp(join(tmpdir(), 'lf-overlay-'));
  try {
    await writeFile(join(dir, 'bg.raw'), toBytes(bg.data));
    await writeFile(join(dir, 'fg.raw'), toBytes(fg.data));
    const raw = (f: Frames, fmt: string, file: string) => [
      '-f',
      'rawvideo',
      '-pix_fmt',
      fmt,
      '-s',
      `${f.width}x${f.height}`,
      '-i',
      join(dir, file),
    ];
    const args = [
      '-v',
      'error',
      ...raw(bg, 'rgb24', 'bg.raw'),
      ...raw(fg, 'rgba', 'fg.raw'),
      '-filter_complex',
      `[0][1]overlay=x=${ox}:y=${oy}:format=rgb`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ];
    const theirs = await runTool('ffmpeg', args, { file: 'overlay' });
    const ours = toBytes(composite({ fg, bg, offset: { x: ox, y: oy } }).data);
    assert.equal(theirs.length, ours.length);
    assert.ok(maxDiff(ours, theirs) <= 2, `max byte difference ${maxDiff(ours, theirs)}`);
    assert.ok(meanDiff(ours, theirs) < 0.5, `mean byte difference ${meanDiff(ours, theirs)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('composite: DAVIS goat: mask interior is fg, exterior is bg, and the blend is close to bl', async () => {
  const read = (layer: string) => readFrameSequence(join(DAVIS_DIR, 'goat', layer), { maxFrames: 2 });
  const [bl, fg, bg, mask] = await Promise.all(['bl', 'fg', 'bg', 'mask'].map(read));
  const out = composite({ fg, alpha: mask, bg });
  let inside = 0;
  let outside = 0;
  for (let p = 0; p < out.data.length / 3; p++) {
    const m = mask.data[p * 3];
    const src = m === 1 ? fg : m === 0 ? bg : null;
    if (!src) continue;
    m === 1 ? inside++ : outside++;
    for (let c = 0; c < 3; c++) assert.equal(out.data[p * 3 + c], src.data[p * 3 + c]);
  }
  assert.ok(inside > 10_000 && outside > 100_000, `${inside} interior, ${outside} exterior pixels`);
  // the clip's fg and bg are lossy re-encodes of the frame, so the blend matches bl only approximately
  const err = meanDiff(out.data, bl.data) * 255;
  const inverted = composite({ fg, alpha: { ...mask, data: mask.data.map((v) => 1 - v) }, bg });
  assert.ok(err < 8, `mean error ${err.toFixed(2)}/255`);
  assert.ok(meanDiff(inverted.data, bl.data) * 255 > 3 * err, 'an inverted matte should be far worse');
});
