import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { composite, compositor } from '../../media/composite.ts';
import { CHUNK, overBytes } from '../../media/composite-simd.ts';
import { type Frames, fromBytes, toBytes } from '../../media/frames.ts';
import { compiledModuleText, generatedPath, watSources } from '../../media/wasm/build.ts';
import { maxDiff, uniform } from './clips.ts';

/** Noise clip; with 4 channels a third of the alphas are 0, a third 1 and a third anywhere between. */
function noiseClip(seed: number, frames: number, height: number, width: number, channels: 3 | 4): Frames {
  const rand = uniform(seed);
  const data = new Float32Array(frames * height * width * channels);
  for (let i = 0; i < data.length; i++) {
    const alpha = channels === 4 && i % 4 === 3;
    const kind = alpha ? Math.floor(rand() * 3) : 2;
    data[i] = kind === 0 ? 0 : kind === 1 ? 1 : Math.round(rand() * 255) / 255;
  }
  return { frames, height, width, channels, fps: 8, data };
}

/** The over operator per channel in float64, as today's JavaScript loop computed it (RGB canvas). */
function reference(fg: Frames, bg: Frames, opacity: number, premultiplied: boolean, matte?: Frames): Float32Array {
  const out = new Float32Array(bg.data.length);
  for (let p = 0; p < bg.frames * bg.height * bg.width; p++) {
    const i = p * fg.channels;
    const m = matte ? (matte.data[p * 3] + matte.data[p * 3 + 1] + matte.data[p * 3 + 2]) / 3 : undefined;
    const a = Math.fround((m ?? (fg.channels === 4 ? fg.data[i + 3] : 1)) * opacity);
    const k = premultiplied ? opacity : a;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = fg.data[i + c] * k + bg.data[p * 3 + c] * (1 - a);
  }
  return out;
}

test('composite (SIMD): spans across kernel chunks match the per-pixel operator for every alpha source', () => {
  // 67×71 = 4757 pixels a frame: more than one kernel chunk, not a multiple of it
  assert.ok(67 * 71 > CHUNK && (67 * 71) % CHUNK !== 0);
  const bg = noiseClip(1, 3, 67, 71, 3);
  const cases: [string, Frames, Frames | undefined, boolean][] = [
    ['rgba straight', noiseClip(2, 3, 67, 71, 4), undefined, false],
    ['rgba premultiplied', noiseClip(3, 3, 67, 71, 4), undefined, true],
    ['rgb with matte', noiseClip(4, 3, 67, 71, 3), noiseClip(5, 3, 67, 71, 3), false],
    ['rgb opaque', noiseClip(6, 3, 67, 71, 3), undefined, false],
  ];
  for (const [name, fg, matte, premultiplied] of cases) {
    for (const opacity of [1, 0.37]) {
      const mode = premultiplied ? 'premultiplied' : 'straight';
      const out = composite({ fg, bg, alpha: matte, opacity, mode });
      const want = reference(fg, bg, opacity, premultiplied, matte);
      assert.ok(maxDiff(out.data, want) < 1e-6, `${name}, opacity ${opacity}: ${maxDiff(out.data, want)}`);
    }
  }
});

test('composite (SIMD): a frame run at a time into a reused output gives the whole-clip result', () => {
  const fg = noiseClip(7, 4, 33, 45, 4);
  const bg = noiseClip(8, 4, 40, 52, 3);
  const offset = { x: 11, y: -5 };
  const whole = composite({ fg, bg, offset, opacity: 0.8 });
  const into: Frames = { ...whole, data: new Float32Array(whole.data.length).fill(0.5) };
  const job = compositor({ fg, bg, offset, opacity: 0.8 }, into);
  assert.equal(job.out, into);
  job.frames(2, 4);
  job.frames(0, 2);
  assert.deepEqual(into.data, whole.data);
  assert.throws(() => compositor({ fg, bg }, { ...into, width: 51 }), /output clip given is not 4×52×40×3/);
});

test('overBytes: 8-bit over equals the float path rounded to bytes, odd lengths and opacities included', () => {
  for (const [pixels, seed] of [
    [1, 11],
    [15, 12],
    [16 * 37 + 9, 13],
    [CHUNK * 2 + 5, 14],
  ]) {
    const fg = noiseClip(seed, 1, 1, pixels, 4);
    const bg = noiseClip(seed + 100, 1, 1, pixels, 3);
    for (const opacity of [1, 0.5, 0.13]) {
      const out = new Uint8Array(pixels * 3);
      overBytes(out, toBytes(bg.data), toBytes(fg.data), opacity);
      const float = toBytes(composite({ fg, bg, opacity }).data);
      const worst = maxDiff(out, float);
      assert.ok(worst <= 1, `${pixels} px, opacity ${opacity}: ${worst} levels apart`);
      if (opacity === 1) assert.deepEqual(out, float, `${pixels} px at full opacity: exact`);
    }
  }
});

test('overBytes: in place over its background, and sizes that disagree are refused', () => {
  const fg = toBytes(noiseClip(21, 1, 5, 7, 4).data);
  const bg = toBytes(noiseClip(22, 1, 5, 7, 3).data);
  const copy = new Uint8Array(bg.length);
  overBytes(copy, bg, fg, 0.6);
  overBytes(bg, bg, fg, 0.6);
  assert.deepEqual(bg, copy);
  const float = composite({
    fg: { frames: 1, height: 5, width: 7, channels: 4, fps: 8, data: fromBytes(fg) },
    bg: {
      frames: 1,
      height: 5,
      width: 7,
      channels: 3,
      fps: 8,
      data: fromBytes(toBytes(noiseClip(22, 1, 5, 7, 3).data)),
    },
    opacity: 0.6,
  });
  assert.ok(maxDiff(bg, toBytes(float.data)) <= 1);
  assert.throws(() => overBytes(new Uint8Array(3), new Uint8Array(3), new Uint8Array(3)), /disagree/);
});

test('media/wasm: the committed .wasm.ts files are compiled from their .wat sources', async () => {
  const sources = await watSources();
  const names = sources.map((s) => basename(s));
  assert.ok(names.includes('composite.wat') && names.includes('half.wat'));
  for (const wat of sources) {
    const text = await compiledModuleText(basename(wat), await readFile(wat, 'utf8'));
    assert.equal(await readFile(generatedPath(wat), 'utf8'), text, `${wat}: run npm run build:wasm`);
  }
});
