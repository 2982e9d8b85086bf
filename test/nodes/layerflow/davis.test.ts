import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFrameSequence } from '../../../media/frame-sequence.ts';
import type { Frames } from '../../../media/frames.ts';
import { decompose } from '../../../nodes/layerflow/decompose.ts';
import { layerPrompts } from '../../../nodes/layerflow/layer-prompts.ts';
import { handles, recordingContext, runNode } from './harness.ts';

/** The DAVIS clips the LayerFlow authors prepared (shared beside the checkout; never committed). */
const DATA = join(import.meta.dirname, '../../../../shared/data/layerflow-davis');
const skip = existsSync(join(DATA, 'goat', 'bl'))
  ? false
  : `no DAVIS sample clips at ${DATA} (the shared data folder is not beside this checkout)`;

test('decomposes a real 720×480 DAVIS clip on the demo pack: resized, right shapes, matte in [0, 1]', {
  skip,
}, async () => {
  const blend: Frames = await readFrameSequence(join(DATA, 'goat', 'bl'), { fps: 8 });
  assert.deepEqual([blend.frames, blend.width, blend.height], [16, 720, 480]);
  const meta = JSON.parse(readFileSync(join(DATA, 'meta_seg_test.json'), 'utf8')).videos.goat;
  const cut = (s: string) => s.trim().slice(0, 2000);
  const { text } = await runNode(
    layerPrompts,
    {},
    {
      foreground: cut(meta.fg_prompt),
      background: cut(meta.bg_prompt),
      blend: cut(meta.bl_prompt),
    },
  );
  const h = await handles('demo-rgba');
  const ctx = recordingContext();
  const out = (await runNode(
    decompose,
    { ...h, video: blend, text },
    { seed: 1, steps: 6, previewEvery: 3 },
    ctx,
  )) as Record<'foreground' | 'alpha' | 'background', Frames>;
  for (const layer of ['foreground', 'alpha', 'background'] as const) {
    const v = out[layer];
    assert.deepEqual([v.frames, v.width, v.height, v.channels], [16, 64, 64, 3], layer);
    assert.ok(
      v.data.every((x) => x >= 0 && x <= 1),
      `${layer} values in [0, 1]`,
    );
  }
  const a = out.alpha.data;
  assert.ok(a.some((x) => x > 0.5) && a.some((x) => x < 0.5), 'the matte separates something');
  assert.ok(ctx.recorded.previews.length >= 2);
  assert.equal(ctx.recorded.progress.at(-1)?.message, 'decoding');
});
