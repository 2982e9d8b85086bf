import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frames } from '../../media/frames.ts';
import { fitFrame, fitGeometry } from '../../media/resize.ts';

/** A 1-channel 6×2 frame whose value is its column: crop and pad are read off the columns they keep. */
const wide: Frames = {
  frames: 1,
  width: 6,
  height: 2,
  channels: 1 as 3,
  fps: 8,
  data: Float32Array.from({ length: 12 }, (_, i) => (i % 6) + 1),
};

test('crop keeps the centred part of the target aspect, pad fits the whole frame inside black', () => {
  assert.deepEqual(fitGeometry({ width: 1920, height: 1080 }, { width: 64, height: 64 }).crop, {
    x: 420,
    y: 0,
    width: 1080,
    height: 1080,
  });
  assert.deepEqual(fitGeometry({ width: 1920, height: 1080 }, { width: 64, height: 64 }).inner, {
    width: 64,
    height: 36,
  });
  const crop = fitFrame(wide, 0, 2, 2, 'crop');
  assert.deepEqual([...crop.data], [3, 4, 3, 4], 'the middle two columns');
  const pad = fitFrame(wide, 0, 6, 6, 'pad');
  const rows = Array.from({ length: 6 }, (_, y) => [...pad.data.subarray(y * 6, y * 6 + 6)]);
  assert.deepEqual(rows[0], [0, 0, 0, 0, 0, 0], 'black above');
  assert.deepEqual(rows[2], [1, 2, 3, 4, 5, 6], 'the whole width inside');
  assert.deepEqual(rows[5], [0, 0, 0, 0, 0, 0], 'black below');
  const stretch = fitFrame(wide, 0, 3, 2, 'stretch');
  assert.deepEqual([...stretch.data.subarray(0, 3)], [1.5, 3.5, 5.5], 'every column, averaged in pairs');
});
