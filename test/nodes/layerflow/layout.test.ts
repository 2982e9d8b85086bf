import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layerOrderOf, referenceConditions } from '../../../models/pack/conditions.ts';
import type { PackConfig } from '../../../models/pack/schema.ts';
import { conditionRange, latentRange, pixelRange, sequenceLayout } from '../../../nodes/layerflow/layout.ts';
import { decodePasses, encodePasses, latentFrameCount } from '../../../nodes/layerflow/vae-passes.ts';

/** A released-size config (16 frames per layer, 4× temporal compression: 4 latent frames per layer). */
function config(variant: 'rgb' | 'rgba'): PackConfig {
  return {
    latentChannels: 16,
    temporalCompression: 4,
    spatialCompression: 8,
    patchSize: 2,
    layerOrder: layerOrderOf(variant),
    framesPerLayer: 16,
    textTokensPerLayer: 226,
    textHidden: 4096,
    latentScale: 1.15258426,
    schedule: { shift: 3, steps: 50, cfgScale: 6, cfgExp: 5 },
    condition: referenceConditions(variant, 4),
    dtype: 'float32',
    size: { width: 720, height: 480 },
    fps: 8,
  };
}

describe('sequence layout follows the pack condition, not a fixed rule', () => {
  it('RGBA generate and decompose have no duplicated frame: 16 latent frames, layer i at 4i', () => {
    for (const task of ['generate', 'decompose'] as const) {
      const l = sequenceLayout(config('rgba'), task);
      assert.equal(l.lead, 0);
      assert.equal(l.latentFrames, 16);
      assert.equal(l.pixelFrames, 64);
      assert.deepEqual(latentRange(l, 'background'), [8, 12]);
      assert.deepEqual(pixelRange(l, 'blend'), [48, 64]);
      assert.deepEqual(l.frameShape, [16, 60, 90]);
    }
  });

  it('RGBA fg-to-bg and bg-to-fg lead with the duplicate: 17 latent frames, as reference log_video z[:, :9], z[:, 9:13]', () => {
    const fg = sequenceLayout(config('rgba'), 'fg-to-bg');
    assert.equal(fg.lead, 1);
    assert.equal(fg.latentFrames, 17);
    assert.deepEqual(latentRange(fg, 'foreground'), [1, 5]);
    assert.deepEqual(latentRange(fg, 'alpha'), [5, 9]);
    assert.deepEqual(conditionRange(fg), [0, 9]);
    const bg = sequenceLayout(config('rgba'), 'bg-to-fg');
    assert.deepEqual(conditionRange(bg), [9, 13]);
    assert.deepEqual(latentRange(bg, 'background'), [9, 13]);
    assert.deepEqual(pixelRange(bg, 'background'), [33, 49]);
  });

  it('RGB never duplicates; decomposition gives half the blend (z[:, -2:])', () => {
    const dec = sequenceLayout(config('rgb'), 'decompose');
    assert.equal(dec.latentFrames, 12);
    assert.deepEqual(conditionRange(dec), [10, 12]);
    assert.equal(conditionRange(sequenceLayout(config('rgb'), 'generate')), undefined);
    assert.throws(() => latentRange(dec, 'alpha'), /no alpha layer/);
  });

  it('a task the pack lacks is an error naming the task', () => {
    const c = config('rgb');
    delete c.condition['bg-to-fg'];
    assert.throws(
      () => sequenceLayout(c, 'bg-to-fg'),
      (e: Error & { code?: string }) => e.code === 'task-unsupported',
    );
  });
});

describe('VAE encoder passes', () => {
  it('count latent frames as the causal VAE does: odd lengths keep the first frame alone', () => {
    assert.equal(latentFrameCount(65, 4), 17);
    assert.equal(latentFrameCount(64, 4), 16);
    assert.equal(latentFrameCount(33, 1), 33);
    assert.throws(() => latentFrameCount(62, 4), /temporal compression/);
  });

  it('one pass by default, covering every frame', () => {
    assert.deepEqual(encodePasses(65, 4, 0), [{ latents: [0, 17], pixels: [0, 65], skip: 0 }]);
  });

  it('chunks tile the latent frames exactly once, each after a lead-in of real history', () => {
    for (const [frames, tc, chunk] of [
      [65, 4, 16],
      [64, 4, 12],
      [33, 1, 5],
      [49, 4, 4],
    ]) {
      const passes = encodePasses(frames, tc, chunk);
      const total = latentFrameCount(frames, tc);
      const covered = passes.flatMap((p) =>
        Array.from({ length: p.latents[1] - p.latents[0] }, (_, i) => p.latents[0] + i),
      );
      assert.deepEqual(
        covered,
        Array.from({ length: total }, (_, i) => i),
        `${frames}/${tc}/${chunk}`,
      );
      for (const p of passes) {
        const n = p.pixels[1] - p.pixels[0];
        assert.equal(latentFrameCount(n, tc), p.latents[1] - p.latents[0] + p.skip, `pass ${JSON.stringify(p)}`);
        assert.ok(p.pixels[1] <= frames && p.pixels[0] >= 0);
        if (p.latents[0] > 0) assert.equal(p.skip, Math.min(2, p.latents[0]));
      }
      assert.equal(passes.at(-1)?.pixels[1], frames);
    }
  });

  it('decoder passes: one by default; else [0, 3) then pairs for odd sequences, pairs for even, as sample_video.py', () => {
    assert.deepEqual(decodePasses(17, 4, 0, true), [[0, 17]]);
    assert.deepEqual(decodePasses(17, 4, 8, true), [
      [0, 3],
      [3, 5],
      [5, 7],
      [7, 9],
      [9, 11],
      [11, 13],
      [13, 15],
      [15, 17],
    ]);
    assert.deepEqual(decodePasses(16, 4, 8, false).slice(0, 2), [
      [0, 2],
      [2, 4],
    ]);
    assert.deepEqual(decodePasses(16, 4, 30, false), [
      [0, 6],
      [6, 12],
      [12, 16],
    ]);
    // every pass after the first has an even count, so it takes the decoder's even path
    for (const [t, odd, chunk] of [
      [17, true, 20],
      [12, false, 3],
      [9, true, 100],
    ] as const) {
      const passes = decodePasses(t, 4, chunk, odd);
      assert.equal(passes.at(-1)?.[1], t);
      passes.forEach(([a, b], i) => assert.equal((b - a) % 2, odd && i === 0 ? 1 : 0, `${t} ${chunk} pass ${i}`));
    }
  });
});
