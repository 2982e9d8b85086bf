import { byte, type Clip, type ClipSize, paintClip } from './clip.ts';

const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;
const COLOURS = { red: [225, 45, 40], green: [45, 185, 70], blue: [45, 95, 235], yellow: [245, 205, 40] } as const;
const MOTIONS = ['moving right', 'moving left', 'bouncing', 'drifting up'] as const;
/** Each caption comes in these lanes (fractions of the frame across the motion): the seed picks one. */
const LANES = [0.33, 0.67] as const;

type Shape = (typeof SHAPES)[number];
type Motion = (typeof MOTIONS)[number];

/** A foreground actor of the demo library: its caption words and how it moves. */
export interface ActorSpec {
  caption: string;
  shape: Shape;
  colour: readonly number[];
  motion: Motion;
  lane: number;
}

/**
 * The library's foreground actors: every shape in every colour, each with one motion chosen as a Latin
 * square (so every shape and every colour appears with every motion), each in two lanes.
 */
export function actorSpecs(): ActorSpec[] {
  const specs: ActorSpec[] = [];
  const colours = Object.entries(COLOURS);
  SHAPES.forEach((shape, s) => {
    colours.forEach(([name, colour], c) => {
      const motion = MOTIONS[(s + c) % MOTIONS.length];
      for (const lane of LANES) specs.push({ caption: `${name} ${shape} ${motion}`, shape, colour, motion, lane });
    });
  });
  return specs;
}

/** Renders an actor: soft-edged, lightly shaded, animated over the clip's frames. */
export function renderActor(spec: ActorSpec, size: ClipSize): Clip {
  const radius = Math.min(size.width, size.height) * 0.15;
  const alpha = new Uint8Array(size.frames * size.height * size.width);
  const clip = paintClip(size, (f, y, x) => {
    const [cx, cy, turn] = pathAt(spec, f / Math.max(1, size.frames - 1), size);
    const [u, v] = rotate((x + 0.5 - cx) / radius, (y + 0.5 - cy) / radius, turn);
    const cover = coverage(signedDistance(spec.shape, u, v) * radius);
    alpha[(f * size.height + y) * size.width + x] = byte(cover * 255);
    const light = 1.08 - 0.3 * Math.hypot(u + 0.35, v + 0.35); // lit from the top left
    return spec.colour.map((c) => c * light);
  });
  return { ...clip, alpha };
}

/** Centre (px) and rotation (radians) of the actor at time t in [0, 1]. */
function pathAt(spec: ActorSpec, t: number, size: ClipSize): [number, number, number] {
  const { width: w, height: h } = size;
  switch (spec.motion) {
    case 'moving right':
      return [w * (0.2 + 0.6 * t), h * spec.lane, 0];
    case 'moving left':
      return [w * (0.8 - 0.6 * t), h * spec.lane, 0];
    case 'bouncing':
      return [w * (spec.lane + 0.1 * (t - 0.5)), h * (0.8 - 0.5 * Math.abs(Math.sin(2 * Math.PI * t))), 0];
    case 'drifting up':
      return [w * (spec.lane + 0.06 * Math.sin(2 * Math.PI * t)), h * (0.8 - 0.6 * t), 0.6 * t];
  }
}

function rotate(u: number, v: number, angle: number): [number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [c * u + s * v, -s * u + c * v];
}

/** Signed distance (in radii) from a unit shape centred at the origin; negative inside. */
function signedDistance(shape: Shape, u: number, v: number): number {
  switch (shape) {
    case 'circle':
      return Math.hypot(u, v) - 1;
    case 'square': {
      const dx = Math.abs(u) - 0.85;
      const dy = Math.abs(v) - 0.85;
      return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0);
    }
    case 'diamond':
      return (Math.abs(u) + Math.abs(v) - 1.2) / Math.SQRT2;
    case 'triangle': {
      // equilateral, pointing up: the largest distance to its three edge lines
      const edges = [
        [0, 1, -0.6],
        [0.866, -0.5, -0.6],
        [-0.866, -0.5, -0.6],
      ];
      return Math.max(...edges.map(([a, b, c]) => a * u + b * v + c));
    }
  }
}

/** Pixel coverage from a signed distance in pixels: a soft edge about 1.5 px wide. */
function coverage(distancePx: number): number {
  return Math.max(0, Math.min(1, 0.5 - distancePx / 1.5));
}
