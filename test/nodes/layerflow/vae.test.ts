import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PortType } from '../../../graph-engine/ports.ts';
import type { Frames } from '../../../media/frames.ts';
import { demoLayers, demoLibrary } from '../../../models/demo/index.ts';
import { demoClip } from '../../../nodes/layerflow/demo-clip.ts';
import { overGrey } from '../../../nodes/layerflow/pixels.ts';
import { vaeDecode } from '../../../nodes/layerflow/vae-decode.ts';
import { encodeGivenLayers, layersFromVideo, vaeEncode } from '../../../nodes/layerflow/vae-encode.ts';
import type { LatentValue, LayeredVideoValue } from '../../../nodes/layerflow/values.ts';
import { handles, runNode } from './harness.ts';
import { layeredVideo } from './pipeline.ts';

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const lib = demoLibrary();

describe('layerflow.vae-encode and vae-decode', () => {
  it('encode → decode on the demo VAE (exact) gives back every layer, the duplicated frame dropped', async () => {
    const h = await handles('demo-rgba');
    const truth = demoLayers(lib, 7, 3);
    const given = layeredVideo(h, {
      foreground: truth.fg,
      alpha: truth.alpha,
      background: truth.bg,
      blend: truth.blend,
    });
    for (const task of ['fg-to-bg', 'decompose'] as const) {
      const { latent } = (await runNode(vaeEncode, { vae: h.vae, layers: given }, { task })) as { latent: LatentValue };
      assert.deepEqual(latent.shape, [(task === 'fg-to-bg' ? 1 : 0) + 64, 192, 8, 8]);
      // latents are in the transformer's units: the demo VAE's mean (pixels in [-1, 1]) × latentScale
      assert.ok(Math.abs(latent.data[(latent.layout.lead * 192 + 0) * 64] - 1.15258426 * (2 * truth.fg[0] - 1)) < 1e-5);
      const { layers } = (await runNode(vaeDecode, { vae: h.vae, latent })) as { layers: LayeredVideoValue };
      assert.deepEqual(layers.layers, ['foreground', 'alpha', 'background', 'blend']);
      for (const [name, data] of Object.entries({
        foreground: truth.fg,
        alpha: truth.alpha,
        background: truth.bg,
        blend: truth.blend,
      })) {
        assert.equal(layers.clips[name].frames, 16);
        assert.ok(maxAbs(layers.clips[name].data, data) < 1e-5, `${task} ${name}`);
      }
    }
  });

  it('chunked encoding equals one pass on a VAE without temporal reach, and keeps the shape on the tiny causal VAE', async () => {
    const demo = await handles('demo-rgb');
    const truth = demoLayers(lib, 2, 5);
    const given = layeredVideo(demo, { blend: truth.blend });
    const whole = await encodeGivenLayers(demo.vae.pack, given, 'decompose', { chunkFrames: 0 });
    const chunked = await encodeGivenLayers(demo.vae.pack, given, 'decompose', { chunkFrames: 7 });
    assert.deepEqual(chunked.data, whole.data);

    const tiny = await handles('tiny-rgba');
    const small = demoLayers(demoLibrary({ frames: 8, height: 32, width: 48 }), 2, 5);
    const tinyGiven = layeredVideo(tiny, { background: small.bg });
    const one = await encodeGivenLayers(tiny.vae.pack, tinyGiven, 'bg-to-fg', { chunkFrames: 0 });
    const many = await encodeGivenLayers(tiny.vae.pack, tinyGiven, 'bg-to-fg', { chunkFrames: 8 });
    assert.deepEqual(many.shape, one.shape);
    assert.deepEqual(many.shape, [9, 4, 4, 6]);
    // Not equal: each pass has its own GroupNorm statistics and causal history (see vae-passes.ts).
    assert.ok(many.data.every(Number.isFinite));
    assert.notDeepEqual(many.data, one.data);
  });

  it('VAE Decode in passes: exact on a VAE without temporal reach; on the causal VAE every frame, continued', async () => {
    const demo = await handles('demo-rgba');
    const truth = demoLayers(lib, 4, 2);
    const given = layeredVideo(demo, { foreground: truth.fg, alpha: truth.alpha });
    const latent = await encodeGivenLayers(demo.vae.pack, given, 'fg-to-bg'); // 65 latent frames: the odd path
    const decode = async (h: typeof demo, l: LatentValue, chunkFrames?: number) =>
      (
        (await runNode(vaeDecode, { vae: h.vae, latent: l }, chunkFrames === undefined ? {} : { chunkFrames }))
          .layers as LayeredVideoValue
      ).clips;
    const whole = await decode(demo, latent);
    assert.deepEqual(await decode(demo, latent, 0), whole, 'the default is one pass');
    assert.deepEqual(await decode(demo, latent, 8), whole);

    const tiny = await handles('tiny-rgba');
    const small = demoLayers(demoLibrary({ frames: 8, height: 32, width: 48 }), 2, 5);
    for (const task of ['bg-to-fg', 'decompose'] as const) {
      const tinyLatent = await encodeGivenLayers(
        tiny.vae.pack,
        layeredVideo(tiny, { background: small.bg, blend: small.blend }),
        task,
      );
      const one = await decode(tiny, tinyLatent);
      const passes = await decode(tiny, tinyLatent, 8);
      for (const [name, clip] of Object.entries(one)) {
        assert.equal(passes[name].frames, clip.frames, `${task} ${name}`);
        assert.ok(passes[name].data.every(Number.isFinite));
      }
      // Not equal: each pass has its own GroupNorm statistics (pipeline-golden.test.ts measures how far).
      assert.notDeepEqual(passes, one);
    }
  });

  it('posterior: the mean by default; `sample` is a seeded draw around it, the same for the same seed', async () => {
    const tiny = await handles('tiny-rgba');
    const small = demoLayers(demoLibrary({ frames: 8, height: 32, width: 48 }), 3, 1);
    const layers = layeredVideo(tiny, { blend: small.blend });
    const run = async (params: Record<string, unknown>) =>
      ((await runNode(vaeEncode, { vae: tiny.vae, layers }, { task: 'decompose', ...params })).latent as LatentValue)
        .data;
    const mean = await run({});
    assert.deepEqual(await run({ posterior: 'mean' }), mean);
    const a = await run({ posterior: 'sample', posteriorSeed: 5 });
    assert.deepEqual(await run({ posterior: 'sample', posteriorSeed: 5 }), a);
    const b = await run({ posterior: 'sample', posteriorSeed: 6 });
    assert.ok(maxAbs(a, mean) > 1e-3 && maxAbs(b, a) > 1e-3);
  });

  it('a single video is the layer the task is given; an RGBA foreground brings its matte', () => {
    const clip = demoClip({ actor: 5, backdrop: 2, frames: 4, width: 16, height: 16, fps: 8 });
    const decompose = layersFromVideo(clip.blend, 'decompose');
    assert.deepEqual(decompose.layers, ['blend']);
    assert.deepEqual(layersFromVideo(clip.background, 'bg-to-fg').layers, ['background']);
    const fg = layersFromVideo(clip.foreground, 'fg-to-bg');
    assert.deepEqual(fg.layers, ['foreground', 'alpha']);
    assert.ok(
      maxAbs(fg.clips.foreground.data, clip.layers.clips.foreground.data) < 1e-6,
      'straight colour went over grey',
    );
    assert.ok(maxAbs(fg.clips.alpha.data, clip.layers.clips.alpha.data) < 1e-6);
    const rgbOnly: Frames = { ...clip.blend };
    assert.deepEqual(layersFromVideo(rgbOnly, 'fg-to-bg').layers, ['foreground']);
  });

  it('resizes and cuts a user video to the pack size; refuses what the task needs but does not have', async () => {
    const h = await handles('demo-rgba');
    const big = demoClip({ actor: 1, backdrop: 1, frames: 20, width: 128, height: 128, fps: 24 });
    const { latent } = (await runNode(vaeEncode, { vae: h.vae, video: big.blend }, { task: 'decompose' })) as {
      latent: LatentValue;
    };
    assert.deepEqual(latent.shape, [64, 192, 8, 8]);
    assert.deepEqual(latent.given, [48, 64]);
    assert.equal(latent.fps, 24);
    const fgOnly: Frames = {
      ...big.foreground,
      channels: 3,
      data: overGrey(big.blend.data, new Float32Array(20 * 128 * 128)),
    };
    await assert.rejects(
      runNode(vaeEncode, { vae: h.vae, video: fgOnly }, { task: 'fg-to-bg' }),
      (e: Error & { code?: string }) => e.code === 'missing-layer' && /alpha/.test(e.message),
    );
    const short = demoClip({ actor: 1, backdrop: 1, frames: 3, width: 64, height: 64, fps: 8 });
    await assert.rejects(
      runNode(vaeEncode, { vae: h.vae, video: short.blend }, { task: 'decompose' }),
      (e: Error & { code?: string }) => e.code === 'too-few-frames',
    );
  });

  it('infers what is missing or too short while editing', () => {
    const vae = {
      kind: 'VAE',
      variant: 'rgba',
      frames: 16,
      width: 64,
      height: 64,
      spatialCompression: 8,
      latentChannels: 192,
    };
    const defaults = vaeEncode.params.parse({ chunkFrames: 0, fit: 'crop' });
    const codes = (inputs: Record<string, object | undefined>, task: 'decompose' | 'fg-to-bg' = 'decompose') =>
      vaeEncode.infer?.({ vae, ...inputs }, { ...defaults, task }).issues?.map((i) => `${i.field}:${i.code}`);
    assert.deepEqual(codes({}), ['video:missing-input']);
    assert.deepEqual(codes({ video: { kind: 'Video' }, layers: { kind: 'LayeredVideo' } }), ['video:two-inputs']);
    assert.deepEqual(codes({ video: { kind: 'Video', frames: 8 } }), ['video:too-few-frames']);
    assert.deepEqual(codes({ video: { kind: 'Video', frames: 16, alpha: false } }, 'fg-to-bg'), ['video:needs-alpha']);
    const out = vaeEncode.infer?.({ vae, video: { kind: 'Video' } }, defaults).outputs.latent;
    assert.deepEqual(out, { kind: 'Latent', task: 'decompose', width: 8, height: 8, channels: 192 });
    // Notes state the resize (with the chosen fit), the frames kept, and a demo pack fed outside footage.
    const notes = (video: PortType, fit: 'crop' | 'pad' | 'stretch', packKind = 'tiny') =>
      vaeEncode.infer?.({ vae: { ...vae, packKind }, video }, { ...defaults, fit }).notes ?? [];
    const footage: PortType = { kind: 'Video', frames: 40, width: 192, height: 108, source: 'file' };
    assert.deepEqual(
      notes(footage, 'pad').map((n) => [n.field, n.level, n.message]),
      [
        ['fit', 'info', 'resized 192×108 → 64×64 (pad)'],
        ['video', 'info', "uses the first 16 of 40 frames (the pack's frames per layer)"],
      ],
    );
    assert.deepEqual(notes({ ...footage, frames: 16, width: 64, height: 64 }, 'crop'), [], 'nothing to say');
    const demo = notes({ ...footage, frames: 16, width: 64, height: 64 }, 'crop', 'demo');
    assert.deepEqual(
      demo.map((n) => n.level),
      ['warning'],
    );
    assert.match(demo[0].message, /demo pack knows only its built-in library/);
    const library = { ...footage, frames: 16, width: 64, height: 64, source: 'library' };
    assert.deepEqual(notes(library, 'crop', 'demo'), [], 'library clips are what the demo pack knows');
  });
});
