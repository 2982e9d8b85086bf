import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { frameAt } from '../../../media/frames.ts';
import { decodePng } from '../../../media/png.ts';
import { MediaNodeError } from '../../../nodes/media/node-error.ts';
import { preview } from '../../../nodes/media/preview.ts';
import { saveImage } from '../../../nodes/media/save-image.ts';
import { thumbnail } from '../../../nodes/media/thumbnail.ts';
import { maxDiff, smoothClip } from '../../media/clips.ts';
import { inferNode, runNode, video } from './run-node.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-preview-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const wide = smoothClip(71, 7, 90, 300, 4);
const layered = {
  layers: ['foreground', 'alpha', 'background', 'blend'],
  clips: {
    foreground: smoothClip(72, 5, 40, 64, 3),
    alpha: { ...smoothClip(73, 5, 40, 64, 3), channels: 1, data: new Float32Array(5 * 40 * 64).fill(0.5) },
    background: smoothClip(74, 5, 40, 64, 3),
    blend: smoothClip(75, 5, 40, 64, 3),
  },
};

function pngOf(dataUrl: string) {
  assert.match(dataUrl, /^data:image\/png;base64,/);
  return decodePng(Buffer.from(dataUrl.split(',')[1], 'base64'), 'preview');
}

test('preview: a few evenly spaced frames of a video, at most 128 px, alpha kept', async () => {
  const { recorded } = await runNode(preview, { video: wide }, { frames: 3 }, dir);
  assert.equal(recorded.previews.length, 1);
  const shown = recorded.previews[0];
  assert.deepEqual(
    shown.map((p) => p.label),
    ['video · 0', 'video · 3', 'video · 6'],
  );
  const png = pngOf(shown[0].dataUrl);
  assert.deepEqual([png.width, png.height, png.alpha], [128, 38, true]);
  assert.deepEqual(await readdir(dir), [], 'a preview writes no files');
});

test('preview: each layer of a layered video', async () => {
  const { recorded } = await runNode(preview, { layers: layered }, { frames: 1, size: 32 }, dir);
  assert.deepEqual(
    recorded.previews[0].map((p) => p.label),
    ['foreground · 0', 'alpha · 0', 'background · 0', 'blend · 0'],
  );
  for (const p of recorded.previews[0]) {
    const png = pngOf(p.dataUrl);
    assert.deepEqual([png.width, png.height], [32, 20]);
  }
  assert.deepEqual(inferNode(preview, {}, {}).issues?.[0]?.code, 'no-input');
});

test('thumbnails average alpha premultiplied: clear pixels add no colour fringe', () => {
  // Left half opaque red, right half clear with green colour (invisible): a 2:1 shrink must stay red.
  const clip = { frames: 1, height: 2, width: 4, channels: 4 as const, fps: 1, data: new Float32Array(32) };
  for (let p = 0; p < 8; p++) clip.data.set(p % 4 < 2 ? [1, 0, 0, 1] : [0, 1, 0, 0], p * 4);
  clip.data.set([1, 0, 0, 1], 2 * 4); // one opaque red pixel among the clear ones
  const small = thumbnail(clip, 0, 2);
  assert.deepEqual(Array.from(small.data.subarray(4, 8)), [1, 0, 0, 0.25]);
});

test('save-image: one frame (negative from the end) as PNG, RGBA kept', async () => {
  const { outputs, recorded } = await runNode(saveImage, { video: wide }, { frame: -1 }, dir, 'still');
  assert.equal(outputs.file, join(dir, 'still.png'));
  assert.deepEqual(recorded.facts.files, ['still.png']);
  const png = decodePng(await readFile(join(dir, 'still.png')), 'still.png');
  assert.deepEqual([png.width, png.height, png.alpha], [300, 90, true]);
  const last = frameAt(wide, 6).data;
  assert.ok(
    maxDiff(
      Float32Array.from(png.rgba, (v) => v / 255),
      last,
    ) <=
      0.5 / 255 + 1e-6,
  );
  await assert.rejects(
    runNode(saveImage, { video: wide }, { frame: 7 }, dir),
    (e: unknown) => e instanceof MediaNodeError && e.field === 'frame' && /outside the clip's 7 frames/.test(e.message),
  );
  const issues = inferNode(saveImage, { video: video(7, 300, 90, 4) }, { frame: 7 }).issues;
  assert.deepEqual(
    issues?.map((i) => i.field),
    ['frame'],
  );
});

test('save-image: a frame of each layer, and a contact sheet with one row per layer', async () => {
  const frame = await runNode(saveImage, { layers: layered }, { frame: 2, filename: 'frame2' }, dir);
  assert.deepEqual(
    frame.recorded.facts.files,
    ['foreground', 'alpha', 'background', 'blend'].map((l) => `frame2/${l}.png`),
  );
  const sheet = await runNode(
    saveImage,
    { layers: layered },
    { image: 'contact-sheet', columns: 3, cellHeight: 40 },
    dir,
    'sheet',
  );
  const png = decodePng(await readFile(join(dir, 'sheet.png')), 'sheet.png');
  assert.equal(sheet.outputs.file, join(dir, 'sheet.png'));
  assert.equal(png.height, 6 + 4 * (40 + 6), 'four rows of 40 px with 6 px gaps');
  assert.ok(png.width > 3 * 64, 'three columns and the labels');
});

test('save-image: the contact sheet shows an opaque foreground through its alpha layer', async () => {
  const sheetWith = async (alpha: number, name: string) => {
    const clips = {
      ...layered.clips,
      alpha: { ...layered.clips.alpha, data: new Float32Array(5 * 40 * 64).fill(alpha) },
    };
    await runNode(
      saveImage,
      { layers: { ...layered, clips } },
      { image: 'contact-sheet', columns: 3, cellHeight: 40 },
      dir,
      name,
    );
    return decodePng(await readFile(join(dir, `${name}.png`)), name);
  };
  const [opaque, clear] = [await sheetWith(1, 'opaque'), await sheetWith(0, 'clear')];
  const rowDiffers = (row: number) => {
    const [top, bottom] = [6 + row * 46, 6 + row * 46 + 40];
    const w = opaque.width * 4;
    for (let i = top * w; i < bottom * w; i++) if (opaque.rgba[i] !== clear.rgba[i]) return true;
    return false;
  };
  assert.ok(rowDiffers(0), 'the foreground row follows the matte');
  assert.ok(!rowDiffers(2) && !rowDiffers(3), 'background and blend rows do not');
});
