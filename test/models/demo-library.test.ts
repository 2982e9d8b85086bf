import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { demoLayers, demoLibrary, toLatentOrder } from '../../models/demo/index.ts';
import { buildDemoVaeDecoder, buildDemoVaeEncoder } from '../../models/demo/vae.ts';
import { gaussianNoise } from '../../models/sampler/noise.ts';

const lib = demoLibrary();
const { frames, height, width } = lib.size;

/** Alpha-weighted centre of an actor's matte in frame f, as fractions of the frame. */
function centroid(alpha: Uint8Array, f: number): [number, number] {
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = alpha[(f * height + y) * width + x];
      sum += a;
      sx += a * x;
      sy += a * y;
    }
  }
  return [sx / sum / width, sy / sum / height];
}

function rms(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

test('demo actors are soft-edged shapes that move as their captions say', () => {
  assert.ok(lib.actors.length >= 24, `${lib.actors.length} actors`);
  for (const { caption, clip } of lib.actors) {
    const alpha = clip.alpha as Uint8Array;
    assert.equal(alpha.length, frames * height * width);
    const soft = alpha.filter((a) => a > 0 && a < 255).length;
    const solid = alpha.filter((a) => a === 255).length;
    assert.ok(soft > 20 * frames && solid > 40 * frames, `${caption}: ${soft} edge and ${solid} solid pixels`);
    const [x0, y0] = centroid(alpha, 0);
    const [x1, y1] = centroid(alpha, frames - 1);
    const ys = Array.from({ length: frames }, (_, f) => centroid(alpha, f)[1]);
    if (caption.endsWith('moving right')) assert.ok(x1 - x0 > 0.4, `${caption}: x ${x0} → ${x1}`);
    else if (caption.endsWith('moving left')) assert.ok(x0 - x1 > 0.4, `${caption}: x ${x0} → ${x1}`);
    else if (caption.endsWith('drifting up')) assert.ok(y0 - y1 > 0.4, `${caption}: y ${y0} → ${y1}`);
    else if (caption.endsWith('bouncing')) {
      assert.ok(Math.max(...ys) - Math.min(...ys) > 0.3 && Math.abs(y1 - y0) < 0.05, `${caption}: y ${ys}`);
    } else assert.fail(`${caption}: unknown motion`);
  }
});

test('demo library items are far apart, variants of a caption included', () => {
  const fg = lib.actors.map((_, i) => demoLayers(lib, i, 0).fg);
  const bg = lib.backdrops.map((_, j) => demoLayers(lib, 0, j).bg);
  for (const [name, clips] of [
    ['actors', fg],
    ['backdrops', bg],
  ] as const) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let a = 0; a < clips.length; a++)
      for (let b = a + 1; b < clips.length; b++) nearest = Math.min(nearest, rms(clips[a], clips[b]));
    assert.ok(nearest > 0.03, `${name}: two items only ${nearest} apart (rms, 0..1)`);
  }
  const captions = new Set(lib.actors.map((a) => a.caption));
  assert.equal(captions.size, lib.actors.length / 2, 'every actor caption has two variants');
  for (const { caption, clip } of lib.backdrops) {
    const frame = height * width * 3;
    assert.ok(
      clip.rgb.subarray(0, frame).some((v, i) => v !== clip.rgb[(frames - 1) * frame + i]),
      `${caption} pans`,
    );
  }
});

test('demo blend is the straight-alpha composite and the fg layer is the actor over grey', () => {
  const i = 13;
  const j = 6;
  const { fg, alpha, bg, blend } = demoLayers(lib, i, j);
  const actor = lib.actors[i].clip;
  for (const p of [0, 777, 3 * (5 * width * height + 40 * width + 20), fg.length - 1]) {
    const a = (actor.alpha as Uint8Array)[Math.floor(p / 3)] / 255;
    assert.equal(alpha[p], a);
    assert.ok(Math.abs(blend[p] - (a * (actor.rgb[p] / 255) + (1 - a) * bg[p])) < 1e-6);
    assert.ok(Math.abs(fg[p] - (0.5 + a * (actor.rgb[p] / 255 - 0.5))) < 1e-6);
  }
});

test('demo VAE is exact space-to-depth: encode gives the latent order, decode inverts it', async () => {
  const size = { frames: 3, height: 24, width: 40 }; // odd frame count, non-square
  const s = 8;
  const pixels = gaussianNoise(5)(size.frames * size.height * size.width * 3); // (F, H, W, 3)
  const planar = new Float32Array(pixels.length); // (3, F, H, W), the VAE's layout
  for (let p = 0; p < pixels.length; p++) planar[(p % 3) * (pixels.length / 3) + Math.floor(p / 3)] = pixels[p];
  const enc = await ort.InferenceSession.create(buildDemoVaeEncoder(s));
  const dec = await ort.InferenceSession.create(buildDemoVaeDecoder(s));
  const moments = (
    await enc.run({ x: new ort.Tensor('float32', planar, [1, 3, size.frames, size.height, size.width]) })
  ).moments;
  const [, c2, f, h, w] = moments.dims;
  assert.deepEqual([c2, f, h, w], [2 * 192, 3, 3, 5]);
  const data = moments.data as Float32Array;
  const mean = data.subarray(0, data.length / 2);
  assert.ok(
    data.subarray(data.length / 2).every((v) => v === -30),
    'log-variance is a point mass',
  );
  const order = toLatentOrder(pixels, size, s, 3); // (F, C, h, w)
  const perFrame = 192 * h * w;
  for (let t = 0; t < f; t++) {
    for (let c = 0; c < 192; c++) {
      for (let q = 0; q < h * w; q++) assert.equal(mean[(c * f + t) * h * w + q], order[t * perFrame + c * h * w + q]);
    }
  }
  const out = await dec.run({ z: new ort.Tensor('float32', Float32Array.from(mean), [1, 192, f, h, w]) });
  assert.deepEqual(out.out.data, planar);
});
