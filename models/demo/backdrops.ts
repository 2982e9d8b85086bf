import type { Clip, ClipSize } from './clip.ts';
import { paintClip } from './clip.ts';

type Rgb = readonly [number, number, number];
/** A backdrop pattern: colour at pixel (x, y) at time t in [0, 1], panning `dir` (±1) from `phase`. */
type Pattern = (x: number, y: number, t: number, dir: number, phase: number) => Rgb;

/** A background of the demo library: its caption and which way it pans. */
export interface BackdropSpec {
  caption: string;
  pattern: Pattern;
  /** The two variants of a caption pan opposite ways from different phases: the seed picks one. */
  dir: number;
  phase: number;
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
const ramp = (stops: Rgb[], t: number): Rgb => {
  const u = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  return mix(stops[i], stops[i + 1], u - i);
};
const smooth = (t: number) => t * t * (3 - 2 * t);

/** Deterministic lattice noise in [0, 1) (integer hash), smoothly interpolated. */
function valueNoise(x: number, y: number, seed: number): number {
  const hash = (i: number, j: number) => {
    let h = Math.imul(i, 374761393) ^ Math.imul(j, 668265263) ^ Math.imul(seed, 2147483647);
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const i = Math.floor(x);
  const j = Math.floor(y);
  const fx = smooth(x - i);
  const fy = smooth(y - j);
  const top = hash(i, j) + (hash(i + 1, j) - hash(i, j)) * fx;
  const bottom = hash(i, j + 1) + (hash(i + 1, j + 1) - hash(i, j + 1)) * fx;
  return top + (bottom - top) * fy;
}

/** Patterns take x, y in [0, 1] of the frame. */
const PATTERNS: Record<string, Pattern> = {
  'sunset gradient': (_x, y, t, dir, phase) =>
    ramp(
      [
        [70, 30, 110],
        [200, 70, 90],
        [250, 150, 60],
        [255, 215, 120],
      ],
      y + 0.12 * dir * (t - 0.5) + 0.05 * phase,
    ),
  'blue sky gradient': (x, y, t, dir, phase) => {
    const cloud = smooth(Math.max(0, valueNoise(x * 3 + dir * t * 0.8 + phase * 5, y * 5, 7) - 0.55) / 0.45);
    return mix(
      ramp(
        [
          [30, 80, 190],
          [150, 200, 245],
        ],
        y,
      ),
      [250, 250, 255],
      0.8 * cloud,
    );
  },
  'grey stripes panning': (x, y, t, dir, phase) => {
    const band = 0.5 + 0.5 * Math.sin(2 * Math.PI * (5 * x + 0.6 * dir * t + phase));
    return mix([70, 70, 75], [190, 190, 185], smooth(band) - 0.05 * y);
  },
  'teal diagonal stripes': (x, y, t, dir, phase) => {
    const band = 0.5 + 0.5 * Math.sin(2 * Math.PI * (3 * (x + y) + 0.6 * dir * t + phase));
    return mix([20, 110, 110], [120, 210, 190], smooth(band));
  },
  'brown checkerboard sliding': (x, y, t, dir, phase) => {
    const u = 4 * x + 0.7 * dir * t + phase;
    const v = 4 * y + 0.5 * t;
    const odd = (Math.floor(u) + Math.floor(v)) % 2 !== 0;
    return odd ? [120, 80, 50] : [215, 185, 140];
  },
  'sand texture': (x, y, t, dir, phase) => {
    const n = 0.6 * valueNoise(12 * x + dir * 2 * t + 9 * phase, 12 * y, 3) + 0.4 * valueNoise(30 * x, 30 * y, 5);
    return mix([180, 140, 90], [240, 215, 160], n);
  },
  'starry night sky': (x, y, t, dir, phase) => {
    const sky = ramp(
      [
        [5, 10, 40],
        [30, 40, 90],
      ],
      y,
    );
    const star = valueNoise(40 * x + dir * 4 * t + 17 * phase, 40 * y, 11);
    return mix(sky, [255, 250, 220], smooth(Math.max(0, star - 0.82) / 0.18));
  },
  'ocean waves': (x, y, t, dir, phase) => {
    const wave = Math.sin(2 * Math.PI * (6 * y + 0.6 * Math.sin(2 * Math.PI * (x + phase)) - 0.6 * dir * t));
    return mix(
      ramp(
        [
          [10, 60, 120],
          [20, 140, 170],
        ],
        y,
      ),
      [200, 235, 245],
      0.35 * smooth(0.5 + 0.5 * wave),
    );
  },
};

/** The library's backgrounds: each pattern twice, panning opposite ways from different phases. */
export function backdropSpecs(): BackdropSpec[] {
  return Object.entries(PATTERNS).flatMap(([caption, pattern]) => [
    { caption, pattern, dir: 1, phase: 0 },
    { caption, pattern, dir: -1, phase: 0.37 },
  ]);
}

/** Renders a backdrop over the clip's frames. */
export function renderBackdrop(spec: BackdropSpec, size: ClipSize): Clip {
  const t = (f: number) => f / Math.max(1, size.frames - 1);
  return paintClip(size, (f, y, x) =>
    spec.pattern((x + 0.5) / size.width, (y + 0.5) / size.height, t(f), spec.dir, spec.phase),
  );
}
