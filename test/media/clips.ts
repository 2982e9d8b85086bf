import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frames } from '../../media/frames.ts';

/** The shared DAVIS sample clips, read in place (never copied into the repository). */
export const DAVIS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/layerflow-davis');

/** mulberry32: a small seeded uniform generator for test data. */
export function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random but smooth content (sums of low-frequency waves with seeded phases), values in [0, 1]; with 4
 * channels the alpha is a smooth ramp that includes fully clear and fully opaque regions.
 */
export function smoothClip(
  seed: number,
  frames: number,
  height: number,
  width: number,
  channels: 3 | 4,
  fps = 12,
): Frames {
  const rand = uniform(seed);
  const waves = Array.from({ length: 4 }, () => ({
    fx: 0.2 + rand(),
    fy: 0.2 + rand(),
    ft: rand() * 0.5,
    phase: rand() * 6.28,
  }));
  const data = new Float32Array(frames * height * width * channels);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = ((f * height + y) * width + x) * channels;
        for (let c = 0; c < 3; c++) {
          const w = waves[c];
          data[o + c] =
            0.5 + 0.4 * Math.sin(((w.fx * x) / width) * 6.28 + ((w.fy * y) / height) * 6.28 + w.ft * f + w.phase);
        }
        if (channels === 4) {
          const w = waves[3];
          const v = 0.5 + 0.9 * Math.sin(((w.fx * x) / width) * 6.28 + (y / height) * 3 + w.ft * f + w.phase);
          data[o + 3] = Math.min(1, Math.max(0, v));
        }
      }
    }
  }
  return { frames, height, width, channels, fps, data };
}

/** Largest absolute difference between two arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Mean absolute difference between two arrays. */
export function meanDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
