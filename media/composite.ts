import { z } from 'zod';
import { MediaError } from './errors.ts';
import { checkFrames, emptyFrames, type Frames } from './frames.ts';

const unit = z.number().min(0).max(1);

/** Settings of `composite` (the clips themselves are passed beside them). */
export const CompositeParams = z.object({
  /** How fg stores colour: straight (unassociated) or already multiplied by its alpha. */
  mode: z.enum(['straight', 'premultiplied']).default('straight'),
  opacity: unit.default(1),
  /** Where fg's top-left corner lands on the background, in whole pixels (may be negative). */
  offset: z.object({ x: z.number().int(), y: z.number().int() }).default({ x: 0, y: 0 }),
  /** Flat background (RGB or RGBA in [0,1]) used when no bg clip is given; the canvas is then fg's size. */
  color: z.union([z.tuple([unit, unit, unit]), z.tuple([unit, unit, unit, unit])]).optional(),
});
export type CompositeParams = z.input<typeof CompositeParams>;

export interface CompositeInput extends CompositeParams {
  fg: Frames;
  /** A matte clip (mean of its RGB channels); replaces fg's own alpha channel. */
  alpha?: Frames;
  bg?: Frames;
}

/**
 * fg over bg (Porter–Duff "over"). The result has bg's size, channels and fps; it is RGBA (straight alpha)
 * only when the background has alpha.
 */
export function composite(input: CompositeInput): Frames {
  const params = CompositeParams.parse({
    mode: input.mode,
    opacity: input.opacity,
    offset: input.offset,
    color: input.color,
  });
  const fg = checkFrames(input.fg, 'fg');
  const matte = input.alpha ? checkFrames(input.alpha, 'alpha') : undefined;
  if (matte) sameClip(matte, fg, 'alpha', 'fg', true);
  const out = canvas(fg, input.bg, params.color);
  const frameSize = fg.height * fg.width;
  for (let f = 0; f < fg.frames; f++) {
    const fgAlpha = alphaPlane(fg, matte, f, params.opacity);
    overFrame(out, f, fg, f * frameSize * fg.channels, fgAlpha, params);
  }
  return out;
}

/** The output clip, holding the background (a copy of bg, or the flat colour at fg's size). */
function canvas(fg: Frames, bg: Frames | undefined, color: number[] | undefined): Frames {
  if (bg && color) throw new MediaError('invalid-frames', 'give either bg or color, not both', { input: 'bg' });
  if (bg) {
    sameClip(checkFrames(bg, 'bg'), fg, 'bg', 'fg', false);
    return { ...bg, data: bg.data.slice() }; // a memcpy; Float32Array.from walks an iterator
  }
  if (!color)
    throw new MediaError('invalid-frames', 'composite needs a bg clip or a background color', { input: 'bg' });
  const out = emptyFrames({
    frames: fg.frames,
    height: fg.height,
    width: fg.width,
    channels: color.length as 3 | 4,
    fps: fg.fps,
  });
  for (let i = 0; i < out.data.length; i += color.length) out.data.set(color, i);
  return out;
}

function sameClip(a: Frames, b: Frames, aName: string, bName: string, sameSize: boolean): void {
  if (a.frames !== b.frames) {
    throw new MediaError('shape-mismatch', `${aName} has ${a.frames} frames but ${bName} has ${b.frames}`, {
      input: aName,
    });
  }
  if (sameSize && (a.width !== b.width || a.height !== b.height)) {
    throw new MediaError(
      'shape-mismatch',
      `${aName} is ${a.width}×${a.height} but ${bName} is ${b.width}×${b.height}`,
      { input: aName },
    );
  }
}

/** Effective fg alpha of frame f (matte, else fg's own alpha, else 1) times opacity, one value per pixel. */
function alphaPlane(fg: Frames, matte: Frames | undefined, f: number, opacity: number): Float32Array {
  const n = fg.height * fg.width;
  const plane = new Float32Array(n);
  if (matte) {
    const c = matte.channels;
    const base = f * n * c;
    for (let p = 0; p < n; p++) {
      const i = base + p * c;
      plane[p] = ((matte.data[i] + matte.data[i + 1] + matte.data[i + 2]) / 3) * opacity;
    }
  } else if (fg.channels === 4) {
    const base = f * n * 4;
    for (let p = 0; p < n; p++) plane[p] = fg.data[base + p * 4 + 3] * opacity;
  } else {
    plane.fill(opacity);
  }
  return plane;
}

/** Writes fg frame f over the canvas frame f, inside the overlap of fg's placed rectangle and the canvas. */
function overFrame(
  out: Frames,
  f: number,
  fg: Frames,
  fgBase: number,
  alpha: Float32Array,
  p: z.infer<typeof CompositeParams>,
): void {
  const { x: ox, y: oy } = p.offset;
  const x0 = Math.max(0, ox);
  const x1 = Math.min(out.width, ox + fg.width);
  const y0 = Math.max(0, oy);
  const y1 = Math.min(out.height, oy + fg.height);
  const oc = out.channels;
  const fc = fg.channels;
  const d = out.data;
  const s = fg.data;
  // premultiplied fg colour is scaled by opacity only; straight colour by the whole effective alpha
  const premult = p.mode === 'premultiplied';
  for (let y = y0; y < y1; y++) {
    let o = ((f * out.height + y) * out.width + x0) * oc;
    let i = fgBase + ((y - oy) * fg.width + (x0 - ox)) * fc;
    let a = (y - oy) * fg.width + (x0 - ox);
    for (let x = x0; x < x1; x++, o += oc, i += fc, a++) {
      const af = alpha[a];
      const k = premult ? p.opacity : af;
      const rest = 1 - af;
      if (oc === 3) {
        d[o] = s[i] * k + d[o] * rest;
        d[o + 1] = s[i + 1] * k + d[o + 1] * rest;
        d[o + 2] = s[i + 2] * k + d[o + 2] * rest;
      } else {
        const ab = d[o + 3] * rest;
        const aOut = af + ab;
        const inv = aOut > 0 ? 1 / aOut : 0;
        d[o] = (s[i] * k + d[o] * ab) * inv;
        d[o + 1] = (s[i + 1] * k + d[o + 1] * ab) * inv;
        d[o + 2] = (s[i + 2] * k + d[o + 2] * ab) * inv;
        d[o + 3] = aOut;
      }
    }
  }
}
