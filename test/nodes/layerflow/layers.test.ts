import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frames } from '../../../media/frames.ts';
import { demoLayers, demoLibrary } from '../../../models/demo/index.ts';
import { demoClip, demoClipNode } from '../../../nodes/layerflow/demo-clip.ts';
import { mergeLayers, mergeLayersNode } from '../../../nodes/layerflow/merge-layers.ts';
import { splitLayers, splitLayersNode } from '../../../nodes/layerflow/split-layers.ts';
import type { LayeredVideoValue } from '../../../nodes/layerflow/values.ts';

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const SIZE = { frames: 3, width: 20, height: 12, fps: 8 };
const clip = demoClip({ actor: 13, backdrop: 6, ...SIZE });

describe('layerflow.demo-clip', () => {
  it('gives a library pair as videos and as model-convention layers, the blend their composite', () => {
    const lib = demoLibrary(SIZE);
    const truth = demoLayers(lib, 13, 6);
    assert.deepEqual(clip.blend.data, truth.blend);
    assert.deepEqual(clip.layers.clips.foreground.data, truth.fg);
    assert.equal(clip.foreground.channels, 4);
    const a = clip.foreground.data.filter((_, i) => i % 4 === 3);
    assert.ok(a.some((v) => v > 0.9) && a.some((v) => v === 0), 'an actor with a matte');
    const { outputs } = demoClipNode.infer?.({}, demoClipNode.params.parse(SIZE)) ?? { outputs: {} };
    // its fps, and that it comes from the demo library (a demo pack fed anything else warns)
    assert.deepEqual(outputs.foreground, {
      kind: 'Video',
      frames: 3,
      width: 20,
      height: 12,
      channels: 4,
      alpha: true,
      fps: 8,
      source: 'library',
    });
  });
});

describe('layerflow.split-layers', () => {
  it('gives straight colour and a matte; compositing them over the background gives the blend', () => {
    const out = splitLayers(clip.layers);
    const rgb = clip.foreground.data.filter((_, i) => i % 4 !== 3);
    const alpha = clip.foreground.data.filter((_, i) => i % 4 === 3);
    for (let p = 0; p < alpha.length; p++) {
      assert.ok(Math.abs(out.alpha.data[p * 3] - alpha[p]) < 1e-6);
      if (alpha[p] > 0.05) {
        for (let k = 0; k < 3; k++) assert.ok(Math.abs(out.foreground.data[p * 3 + k] - rgb[p * 3 + k]) < 1e-4);
      }
    }
    const over = out.foreground.data.map((f, i) => {
      const a = out.alpha.data[i];
      return a * f + (1 - a) * out.background.data[i];
    });
    assert.ok(maxAbs(over, out.blend.data) < 1e-4);
  });

  it('estimates the matte of RGB layers (no alpha layer) from the composite relation', () => {
    const { alpha: _a, ...clips } = clip.layers.clips;
    const rgb: LayeredVideoValue = { layers: ['foreground', 'background', 'blend'], clips };
    const out = splitLayers(rgb);
    assert.ok(maxAbs(out.alpha.data, clip.layers.clips.alpha.data) < 0.02);
    assert.throws(
      () => splitLayers({ layers: ['foreground'], clips: { foreground: clips.foreground } }),
      /no background layer/,
    );
  });

  it('infers four RGB videos of the layers’ size', () => {
    const { outputs } = splitLayersNode.infer?.(
      { layers: { kind: 'LayeredVideo', frames: 16, width: 64, height: 48 } },
      {},
    ) ?? {
      outputs: {},
    };
    for (const o of ['foreground', 'alpha', 'background', 'blend']) {
      assert.deepEqual(outputs[o], { kind: 'Video', channels: 3, alpha: false, frames: 16, width: 64, height: 48 });
    }
  });
});

describe('layerflow.merge-layers', () => {
  it('inverts split-layers: straight foreground + matte + background → model layers with their composite', () => {
    const split = splitLayers(clip.layers);
    const merged = mergeLayers(
      { foreground: split.foreground, alpha: split.alpha, background: split.background },
      { foregroundIs: 'straight' },
    );
    assert.deepEqual(merged.layers, ['foreground', 'alpha', 'background', 'blend']);
    for (const l of merged.layers) assert.ok(maxAbs(merged.clips[l].data, clip.layers.clips[l].data) < 1e-4, l);
  });

  it('an RGBA foreground brings its own matte; an over-grey foreground is taken as is', () => {
    const fromRgba = mergeLayers({ foreground: clip.foreground }, { foregroundIs: 'straight' });
    assert.deepEqual(fromRgba.layers, ['foreground', 'alpha']);
    assert.ok(maxAbs(fromRgba.clips.foreground.data, clip.layers.clips.foreground.data) < 1e-6);
    const overGrey: Frames = clip.layers.clips.foreground;
    const asIs = mergeLayers({ foreground: overGrey, alpha: clip.layers.clips.alpha }, { foregroundIs: 'over-grey' });
    assert.deepEqual(asIs.clips.foreground.data, overGrey.data);
  });

  it('refuses videos of different shapes, at run time and while editing', () => {
    const other = demoClip({ actor: 1, backdrop: 1, ...SIZE, frames: 4 });
    assert.throws(
      () => mergeLayers({ foreground: clip.foreground, background: other.background }, { foregroundIs: 'straight' }),
      (e: Error & { code?: string }) => e.code === 'shape-mismatch',
    );
    const { issues, outputs } = mergeLayersNode.infer?.(
      { foreground: { kind: 'Video', frames: 3, alpha: true }, background: { kind: 'Video', frames: 4 } },
      { foregroundIs: 'straight' },
    ) ?? { outputs: {} };
    assert.deepEqual(
      issues?.map((i) => `${i.field}:${i.code}`),
      ['background:shape-mismatch'],
    );
    assert.deepEqual(outputs.layers.layers, ['foreground', 'alpha', 'background', 'blend']);
  });
});
