import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runTool } from '../../../media/ffmpeg.ts';
import { type Frames, toBytes } from '../../../media/frames.ts';
import { writePng } from '../../../media/png.ts';
import { withMatte } from '../../../nodes/media/clip.ts';
import { composite } from '../../../nodes/media/composite.ts';
import { loadFrames } from '../../../nodes/media/load-frames.ts';
import { MediaNodeError } from '../../../nodes/media/node-error.ts';
import { DAVIS_DIR, maxDiff, meanDiff, smoothClip } from '../../media/clips.ts';
import { fakeContext, inferNode, runNode, video } from './run-node.ts';

let dir = '';
let goat: Record<'bl' | 'fg' | 'bg' | 'mask', Frames>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-composite-node-'));
  const load = async (layer: string) =>
    (await runNode(loadFrames, {}, { path: join(DAVIS_DIR, 'goat', layer), maxFrames: 3 }, dir)).outputs
      .video as Frames;
  const [bl, fg, bg, mask] = await Promise.all(['bl', 'fg', 'bg', 'mask'].map(load));
  goat = { bl, fg, bg, mask };
});
after(() => rm(dir, { recursive: true, force: true }));

async function compositeOf(inputs: Record<string, unknown>, params: Parameters<typeof runNode>[2] = {}) {
  return (await runNode(composite, inputs, params, dir)).outputs.video as Frames;
}

/** Channel errors (0..255) against `ref` over pixels whose whole (2r+1)² neighbourhood has mask value `want`. */
function regionErrors(out: Frames, ref: Frames, mask: Frames, want: 0 | 1, r: number): Float64Array {
  const { width: W, height: H } = out;
  const errors: number[] = [];
  const m = (f: number, x: number, y: number) => mask.data[((f * H + y) * W + x) * 3];
  for (let f = 0; f < out.frames; f++) {
    for (let y = r; y < H - r; y++) {
      for (let x = r; x < W - r; x++) {
        let inside = true;
        for (let dy = -r; dy <= r && inside; dy++)
          for (let dx = -r; dx <= r; dx++) inside &&= m(f, x + dx, y + dy) === want;
        if (!inside) continue;
        const p = ((f * H + y) * W + x) * 3;
        for (let c = 0; c < 3; c++) errors.push(Math.abs(out.data[p + c] - ref.data[p + c]) * 255);
      }
    }
  }
  return Float64Array.from(errors).sort();
}

const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;

test('DAVIS goat: fg + mask over bg is fg inside the mask, bg outside, the blend inside within the data tolerance', async () => {
  const { fg, bg, bl, mask } = goat;
  const out = await compositeOf({ foreground: fg, alpha: mask, background: bg });
  assert.deepEqual([out.frames, out.width, out.height, out.channels], [3, 720, 480, 3]);
  // The compositor itself is exact: alpha 1 gives fg, alpha 0 gives bg, partial alpha the linear mix.
  let partial = 0;
  let worst = 0;
  for (let i = 0; i < out.data.length; i++) {
    const a = mask.data[i - (i % 3)];
    if (i % 3 === 0 && a > 0 && a < 1) partial++;
    worst = Math.max(worst, Math.abs(out.data[i] - (fg.data[i] * a + bg.data[i] * (1 - a))));
  }
  assert.ok(worst < 1e-6, `largest deviation from a·fg + (1−a)·bg: ${worst}`);
  assert.ok(partial > 1000, `${partial} soft edge pixels exercised`);
  // Against the original frame: fg is a lossy re-encode, so the match is within the data's own error.
  // Measured on frames 0–2, 3 px inside the mask: mean 8.54, p99 35, max 85 (0..255). (The clip's bg still
  // shows the goat, so bg is no worse a match there: only the exact checks above tell fg from bg.)
  const interior = regionErrors(out, bl, mask, 1, 3);
  assert.ok(interior.length > 3 * 20_000, `${interior.length / 3} interior pixels`);
  assert.ok(mean(interior) < 9.5, `interior mean error ${mean(interior).toFixed(2)}/255`);
  assert.ok(interior[Math.floor(interior.length * 0.99)] <= 40, 'interior p99 error');
  assert.ok((interior.at(-1) ?? 0) <= 90, 'interior max error');
  // Outside (3 px clear of the mask) the result is bg; measured: mean 6.02, p99 24, max 86 against bl.
  const exterior = regionErrors(out, bl, mask, 0, 3);
  assert.ok(mean(exterior) < 7, `exterior mean error ${mean(exterior).toFixed(2)}/255`);
});

/** Overlays with ffmpeg's overlay filter: PNG frames in, 8-bit RGB out. */
async function ffmpegOverlay(bgDir: string, fgDir: string, filter: string): Promise<Buffer> {
  const seq = (d: string) => ['-framerate', '24', '-i', join(d, 'frame_%05d.png')];
  const args = ['-v', 'error', '-nostdin', ...seq(bgDir), ...seq(fgDir), '-filter_complex', filter];
  return runTool('ffmpeg', [...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { file: 'overlay' });
}

async function writeFramesAsPng(clip: Frames, name: string): Promise<string> {
  const out = join(dir, name);
  await mkdir(out, { recursive: true });
  for (let f = 0; f < clip.frames; f++)
    await writePng(join(out, `frame_${String(f + 1).padStart(5, '0')}.png`), clip, f);
  return out;
}

test('matches ffmpeg overlay on DAVIS frames (fg with the mask as alpha, offset) within 1/255 + rounding', async () => {
  const fg = { ...goat.fg, frames: 2, data: goat.fg.data.subarray(0, 2 * 720 * 480 * 3).slice() };
  const mask = { ...goat.mask, frames: 2, data: goat.mask.data.subarray(0, 2 * 720 * 480 * 3).slice() };
  const bg = { ...goat.bg, frames: 2, data: goat.bg.data.subarray(0, 2 * 720 * 480 * 3).slice() };
  const [ox, oy] = [37, -21];
  const theirs = await ffmpegOverlay(
    await writeFramesAsPng(bg, 'ov-bg'),
    await writeFramesAsPng(withMatte(fg, mask), 'ov-fg'),
    `[0][1]overlay=x=${ox}:y=${oy}:format=rgb`,
  );
  const ours = toBytes(
    (await compositeOf({ foreground: fg, alpha: mask, background: bg }, { offsetX: ox, offsetY: oy })).data,
  );
  assert.equal(theirs.length, ours.length);
  const [max, avg] = [maxDiff(ours, theirs), meanDiff(ours, theirs)];
  // measured: identical bytes (max and mean difference 0); allowed: one 8-bit step
  assert.ok(max <= 1, `max byte difference ${max}`);
  assert.ok(avg < 0.01, `mean byte difference ${avg}`);
});

test('premultiplied mode matches ffmpeg overlay alpha=premultiplied, offset hanging over two edges', async () => {
  const straight = smoothClip(21, 2, 37, 53, 4);
  const pre = {
    ...straight,
    data: straight.data.map((v, i) => (i % 4 === 3 ? v : v * straight.data[i - (i % 4) + 3])),
  };
  // Both sides read the same 8-bit frames, so only the blend is compared.
  const fgDir = await writeFramesAsPng(pre, 'pre-fg');
  const bgDir = await writeFramesAsPng(smoothClip(22, 2, 61, 71, 3), 'pre-bg');
  const read = async (path: string) => (await runNode(loadFrames, {}, { path }, dir)).outputs.video as Frames;
  const [fg, bg] = [await read(fgDir), await read(bgDir)];
  const [ox, oy] = [40, -9];
  const theirs = await ffmpegOverlay(bgDir, fgDir, `[0][1]overlay=x=${ox}:y=${oy}:format=rgb:alpha=premultiplied`);
  const out = await compositeOf(
    { foreground: fg, background: bg },
    { mode: 'premultiplied', offsetX: ox, offsetY: oy },
  );
  const ours = toBytes(out.data);
  const unplaced = toBytes((await compositeOf({ foreground: fg, background: bg }, { mode: 'premultiplied' })).data);
  assert.ok(meanDiff(unplaced, theirs) > 1, 'the comparison tells placements apart');
  const [max, avg] = [maxDiff(ours, theirs), meanDiff(ours, theirs)];
  // measured: identical bytes (max and mean difference 0); allowed: one 8-bit step
  assert.ok(max <= 1, `max byte difference ${max}`);
  assert.ok(avg < 0.01, `mean byte difference ${avg}`);
});

test('a 1-channel matte, opacity and a see-through background colour', async () => {
  const fg = smoothClip(31, 2, 9, 11, 3);
  const alpha = smoothClip(32, 2, 9, 11, 4);
  const plane = new Float32Array(2 * 9 * 11).map((_, p) => alpha.data[p * 4 + 3]);
  const grey = { ...fg, data: new Float32Array(plane.length * 3).map((_, i) => plane[Math.floor(i / 3)]) };
  const one = await compositeOf({ foreground: fg, alpha: { ...fg, channels: 1, data: plane } }, { opacity: 0.4 });
  const three = await compositeOf({ foreground: fg, alpha: grey }, { opacity: 0.4 });
  assert.equal(maxDiff(one.data, three.data), 0);
  for (let p = 0; p < plane.length; p++) {
    const a = plane[p] * 0.4;
    assert.ok(Math.abs(one.data[p * 3] - fg.data[p * 3] * a) < 1e-6, 'over black: colour × alpha');
  }
  const rgba = await compositeOf({ foreground: fg, alpha: grey }, { backgroundColor: '#ff000080' });
  assert.equal(rgba.channels, 4);
  const a0 = plane[0];
  const aOut = a0 + (128 / 255) * (1 - a0);
  assert.ok(Math.abs(rgba.data[3] - aOut) < 1e-6, 'alpha over a half-clear colour');
});

test('infer: output shape from the inputs; size and frame-count mismatches addressed to the input', () => {
  const ok = inferNode(composite, { foreground: video(8, 64, 32, 4), background: video(8, 100, 50) }, {});
  assert.deepEqual(ok.issues, []);
  assert.deepEqual(ok.outputs.video, { kind: 'Video', frames: 8, width: 100, height: 50, channels: 3, alpha: false });
  const flat = inferNode(composite, { foreground: video(8, 64, 32) }, { backgroundColor: '#00000000' });
  assert.deepEqual(flat.outputs.video, { kind: 'Video', frames: 8, width: 64, height: 32, channels: 4, alpha: true });
  const bad = inferNode(
    composite,
    { foreground: video(8, 64, 32), alpha: video(8, 64, 30), background: video(9, 64, 32) },
    {},
  );
  assert.deepEqual(
    bad.issues?.map((i) => [i.field, i.code, i.message]),
    [
      ['alpha', 'shape-mismatch', 'alpha is 64×30 but foreground is 64×32'],
      ['background', 'shape-mismatch', 'background has 9 frames but foreground has 8'],
    ],
  );
  const unknown = inferNode(composite, { foreground: { kind: 'Video' }, alpha: video(8, 64, 30) }, {});
  assert.deepEqual(unknown.issues, [], 'unknown shapes are not guessed at');
});

test('run: mismatched inputs fail with an error naming both inputs', async () => {
  const fg = smoothClip(41, 3, 8, 10, 4);
  const check = async (inputs: Record<string, unknown>, field: string, message: RegExp) =>
    assert.rejects(
      compositeOf({ foreground: fg, ...inputs }),
      (e: unknown) => e instanceof MediaNodeError && e.field === field && message.test(e.message),
    );
  await check(
    { background: smoothClip(42, 2, 8, 10, 3) },
    'background',
    /background has 2 frames but foreground has 3/,
  );
  await check({ alpha: smoothClip(43, 3, 9, 10, 3) }, 'alpha', /alpha is 10×9 but foreground is 10×8/);
  await assert.rejects(compositeOf({ foreground: { ...fg, data: new Float32Array(7) } }), /foreground: data/);
});

test('run: a cancelled job stops the composite between frames', async () => {
  const abort = new AbortController();
  const { ctx, recorded } = fakeContext(dir, 'comp', abort.signal);
  ctx.progress = (fraction) => {
    recorded.progress.push(fraction);
    if (recorded.progress.length === 2) abort.abort();
  };
  const fg = smoothClip(44, 5, 6, 6, 4);
  const params = composite.params.parse({});
  await assert.rejects(composite.run({ foreground: fg }, params, ctx), { name: 'AbortError' });
  assert.deepEqual(recorded.progress, [0.2, 0.4]);
});
