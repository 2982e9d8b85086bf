import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frames } from '../../../media/frames.ts';
import { layerOrderOf, referenceConditions } from '../../../models/pack/conditions.ts';
import type { PackConfig } from '../../../models/pack/schema.ts';
import { gaussianNoise } from '../../../models/sampler/noise.ts';
import { sequenceLayout } from '../../../nodes/layerflow/layout.ts';
import {
  decoderLatents,
  estimateMatte,
  fitClip,
  latentsFromZ,
  layerClips,
  overGrey,
  planarSequence,
  straightFromGrey,
} from '../../../nodes/layerflow/pixels.ts';

/** Uniform values in [0, 1) from a seed. */
function uniform(n: number, seed: number): Float32Array<ArrayBuffer> {
  return Float32Array.from(gaussianNoise(seed)(n), (v) => 0.5 + 0.5 * Math.tanh(v));
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const config: PackConfig = {
  latentChannels: 4,
  temporalCompression: 4,
  spatialCompression: 8,
  patchSize: 2,
  layerOrder: layerOrderOf('rgba'),
  framesPerLayer: 8,
  textTokensPerLayer: 226,
  textHidden: 32,
  latentScale: 1.15258426,
  schedule: { shift: 3, steps: 50, cfgScale: 6, cfgExp: 5 },
  condition: referenceConditions('rgba', 2),
  dtype: 'float32',
  size: { width: 24, height: 16 },
  fps: 8,
};

describe('layer conventions', () => {
  it('straight colour → over grey → straight colour is the identity where the matte is not ~0', () => {
    const n = 7 * 5;
    const rgb = uniform(3 * n, 1);
    const alpha = uniform(n, 2).map((a, i) => (i % 5 === 0 ? 0 : a));
    const back = straightFromGrey(overGrey(rgb, alpha), alpha);
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < 3; k++) {
        const want = alpha[p] === 0 ? 0.5 : rgb[p * 3 + k];
        assert.ok(Math.abs(back[p * 3 + k] - want) < 1e-4, `pixel ${p}`);
      }
    }
  });

  it('the matte of an RGB result is recovered from blend = fg + (1 − α)(bg − grey)', () => {
    const n = 50;
    const rgb = uniform(3 * n, 3);
    const alpha = uniform(n, 4);
    const bg = uniform(3 * n, 5).map((v) => 0.1 + 0.8 * v);
    const fg = overGrey(rgb, alpha);
    const blend = fg.map((f, i) => f + (1 - alpha[Math.floor(i / 3)]) * (bg[i] - 0.5));
    assert.ok(maxAbs(estimateMatte(fg, bg, blend), alpha) < 1e-3);
  });
});

describe('VAE tensors', () => {
  it('planar sequence → layer clips round-trips every layer, with and without the leading duplicate', () => {
    for (const task of ['generate', 'fg-to-bg'] as const) {
      const layout = sequenceLayout(config, task);
      const clipLength = 8 * 16 * 24 * 3;
      const clips = layout.layers.map((_, i) => uniform(clipLength, 10 + i));
      const planar = planarSequence(layout, clips);
      assert.equal(planar.length, 3 * layout.pixelFrames * 16 * 24);
      const back = layerClips(layout, planar, 8);
      layout.layers.forEach((l, i) => assert.ok(maxAbs(back[l].data, clips[i]) < 1e-6, `${task} ${l}`));
      if (layout.lead) {
        // the duplicate is the foreground's first frame, in every channel plane
        const frame = 16 * 24;
        for (let c = 0; c < 3; c++) {
          const dup = planar.subarray(c * layout.pixelFrames * frame, c * layout.pixelFrames * frame + frame);
          const first = planar.subarray((c * layout.pixelFrames + 1) * frame, (c * layout.pixelFrames + 2) * frame);
          assert.deepEqual(dup, first);
        }
      }
    }
  });

  it('VAE z → latents (× scale) and latents → decoder z (÷ scale) are inverse reorderings', () => {
    const [C, t, h, w] = [4, 3, 2, 5];
    const vaeZ = uniform(C * t * h * w, 7);
    const latents = latentsFromZ(vaeZ, [C, t, h, w], 2);
    const z = decoderLatents(latents, [t, C, h, w], 2);
    assert.ok(maxAbs(z, vaeZ) < 1e-6);
    // latent frame 1, channel 2 is z channel 2, frame 1, times the scale
    assert.equal(latents[(1 * C + 2) * h * w + 3], 2 * vaeZ[(2 * t + 1) * h * w + 3]);
  });

  it('fitClip cuts to the frames needed, drops alpha, area-resizes, and refuses short clips', () => {
    const clip: Frames = { frames: 5, height: 8, width: 12, channels: 4, fps: 8, data: uniform(5 * 8 * 12 * 4, 9) };
    const same = fitClip(clip, 3, 12, 8, 'video');
    assert.equal(same.length, 3 * 8 * 12 * 3);
    assert.equal(same[3], clip.data[4]);
    const half = fitClip(clip, 2, 6, 4, 'video');
    const mean = (clip.data[0] + clip.data[4] + clip.data[12 * 4] + clip.data[13 * 4]) / 4;
    assert.ok(Math.abs(half[0] - mean) < 1e-6, 'a 2×2 box average');
    assert.throws(
      () => fitClip(clip, 6, 12, 8, 'video'),
      (e: Error & { code?: string }) => e.code === 'too-few-frames',
    );
  });
});
