import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { drawText } from '../../media/bitmap-font.ts';
import { contactSheet, evenlySpaced, renderContactSheet } from '../../media/contact-sheet.ts';
import { emptyFrames } from '../../media/frames.ts';
import { decodePng, writePng } from '../../media/png.ts';
import { resizeFrame } from '../../media/resize.ts';
import { maxDiff, smoothClip } from './clips.ts';

test('evenlySpaced picks first and last and never more frames than exist', () => {
  assert.deepEqual(evenlySpaced(16, 4), [0, 5, 10, 15]);
  assert.deepEqual(evenlySpaced(3, 6), [0, 1, 2]);
  assert.deepEqual(evenlySpaced(9, 1), [0]);
});

test('resizeFrame: area averaging keeps flat colour and halves by averaging 2×2 blocks', () => {
  const clip = smoothClip(1, 2, 6, 10, 3);
  const half = resizeFrame(clip, 1, 5, 3);
  const src = clip.data.subarray(6 * 10 * 3);
  const at = (y: number, x: number, c: number) => src[(y * 10 + x) * 3 + c];
  const want = (y: number, x: number, c: number) =>
    (at(2 * y, 2 * x, c) + at(2 * y, 2 * x + 1, c) + at(2 * y + 1, 2 * x, c) + at(2 * y + 1, 2 * x + 1, c)) / 4;
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 5; x++)
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(half.data[(y * 5 + x) * 3 + c] - want(y, x, c)) < 1e-6);
  const flat = { ...clip, data: clip.data.map(() => 0.25) };
  assert.ok(maxDiff(resizeFrame(flat, 0, 7, 4).data, new Float32Array(7 * 4 * 3).fill(0.25)) < 1e-6);
});

test('contact sheet: one row per layer, thumbnails in place, alpha on a checkerboard, labels drawn', () => {
  const rgb = smoothClip(2, 9, 20, 30, 3);
  const rgba = smoothClip(3, 9, 20, 30, 4);
  for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = 0; // fully clear: only the checkerboard shows
  const o = { columns: 3, cellHeight: 20, gap: 4, checker: 5, textScale: 1 };
  const sheet = renderContactSheet(
    [
      { label: 'fg', frames: rgb },
      { label: 'alpha', frames: rgba },
    ],
    o,
  );
  const labelW = 5 * 6 - 1 + 4; // "ALPHA" at scale 1, plus a gap
  assert.deepEqual([sheet.width, sheet.height], [4 + labelW + 3 * (30 + 4), 4 + 2 * (20 + 4)]);
  const px = (x: number, y: number) =>
    Array.from(sheet.data.subarray((y * sheet.width + x) * 3, (y * sheet.width + x) * 3 + 3));
  const left = 4 + labelW;
  // row 0, column 2 shows the last frame (8) at full size
  const last = 8 * 20 * 30 * 3;
  for (const [x, y] of [
    [0, 0],
    [29, 19],
    [13, 7],
  ]) {
    assert.ok(
      maxDiff(px(left + 2 * 34 + x, 4 + y), rgb.data.subarray(last + (y * 30 + x) * 3, last + (y * 30 + x) * 3 + 3)) <
        1e-6,
    );
  }
  // row 1 is pure checkerboard: two tones in 5-pixel squares
  const top = 4 + 24;
  assert.notDeepEqual(px(left, top), px(left + 5, top));
  assert.deepEqual(px(left, top), px(left + 5, top + 5));
  // the label's pixels use the text colour
  const drawn = Array.from({ length: 7 * 30 }, (_, i) => px(4 + (i % 30), 4 + 6 + Math.floor(i / 30)));
  assert.ok(drawn.some((p) => maxDiff(p, [0.92, 0.92, 0.92]) < 1e-6));
});

test('contactSheet encodes a PNG of the sheet; writePng is atomic and keeps alpha', async () => {
  const png = decodePng(
    contactSheet([{ label: 'blend', frames: smoothClip(4, 4, 12, 16, 3) }], { cellHeight: 12 }),
    'sheet',
  );
  const sheet = renderContactSheet([{ label: 'blend', frames: smoothClip(4, 4, 12, 16, 3) }], { cellHeight: 12 });
  assert.deepEqual([png.width, png.height, png.alpha], [sheet.width, sheet.height, false]);

  const dir = await mkdtemp(join(tmpdir(), 'lf-png-'));
  try {
    const clip = smoothClip(5, 2, 7, 11, 4);
    await writePng(join(dir, 'f.png'), clip, 1);
    assert.deepEqual(await readdir(dir), ['f.png']);
    const back = decodePng(await readFile(join(dir, 'f.png')), 'f.png');
    assert.equal(back.alpha, true);
    const want = clip.data.subarray(7 * 11 * 4);
    assert.ok(
      maxDiff(
        Array.from(back.rgba, (v) => v / 255),
        want,
      ) <=
        0.5 / 255 + 1e-6,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a label shortened with "…" draws three dots on the baseline, not the unknown-glyph "?"', () => {
  const draw = (text: string) => {
    const image = emptyFrames({ frames: 1, height: 7, width: 5, channels: 3, fps: 8 });
    drawText(image, text, 0, 0, 1, [1, 1, 1]);
    return [...image.data.filter((_, i) => i % 3 === 0)].map((v) => (v ? '#' : '.')).join('');
  };
  assert.equal(draw('…'), `${'.'.repeat(30)}#.#.#`);
});
