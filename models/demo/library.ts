import { actorSpecs, renderActor } from './actors.ts';
import { backdropSpecs, renderBackdrop } from './backdrops.ts';
import { type Clip, type ClipSize, DEMO_SIZE } from './clip.ts';

/** One library clip with its caption (several clips share a caption: they are its variants). */
export interface LibraryItem {
  caption: string;
  clip: Clip;
}

/** The demo's data distribution: any actor over any backdrop; the blend is their alpha composite. */
export interface DemoLibrary {
  size: ClipSize;
  /** Foreground actors (rgb + alpha). */
  actors: LibraryItem[];
  /** Backgrounds (rgb). */
  backdrops: LibraryItem[];
}

const built = new Map<string, DemoLibrary>();

/** The built-in layered library at `size` (deterministic; built once per size and shared). */
export function demoLibrary(size: ClipSize = DEMO_SIZE): DemoLibrary {
  const key = `${size.frames}x${size.height}x${size.width}`;
  let lib = built.get(key);
  if (!lib) {
    lib = {
      size: { ...size },
      actors: actorSpecs().map((s) => ({ caption: s.caption, clip: renderActor(s, size) })),
      backdrops: backdropSpecs().map((s) => ({ caption: s.caption, clip: renderBackdrop(s, size) })),
    };
    built.set(key, lib);
  }
  return lib;
}

/**
 * The layers of actor `i` over backdrop `j` in [0, 1], laid out (F, H, W, 3): the foreground layer is
 * the actor over flat grey outside its matte (reference data_video.py: rgb·alpha in [-1, 1] space), the
 * matte is grey levels, the blend is the straight-alpha composite.
 */
export function demoLayers(
  lib: DemoLibrary,
  i: number,
  j: number,
): Record<'fg' | 'alpha' | 'bg' | 'blend', Float32Array> {
  return clipLayers(lib.actors[i].clip, lib.backdrops[j].clip);
}

/** The layers of one actor clip over one backdrop clip of the same size (as demoLayers). */
export function clipLayers(actor: Clip, back: Clip): Record<'fg' | 'alpha' | 'bg' | 'blend', Float32Array> {
  const n = actor.rgb.length;
  const fg = new Float32Array(n);
  const alpha = new Float32Array(n);
  const bg = new Float32Array(n);
  const blend = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const a = (actor.alpha as Uint8Array)[Math.floor(p / 3)] / 255;
    const f = actor.rgb[p] / 255;
    const b = back.rgb[p] / 255;
    fg[p] = 0.5 + a * (f - 0.5);
    alpha[p] = a;
    bg[p] = b;
    blend[p] = a * f + (1 - a) * b;
  }
  return { fg, alpha, bg, blend };
}
