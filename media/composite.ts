import { z } from 'zod';
import { type AlphaSource, overSpanF32 } from './composite-simd.ts';
import { MediaError } from './errors.ts';
import { checkFrames, emptyFrames, type Frames, type FramesShape } from './frames.ts';

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
type Params = z.infer<typeof CompositeParams>;

export interface CompositeInput extends CompositeParams {
  fg: Frames;
  /** A matte clip (mean of its RGB channels); replaces fg's own alpha channel. */
  alpha?: Frames;
  bg?: Frames;
}

/** A composite set up once for a clip: its output (allocated, filled frame by frame) and the frame step. */
export interface Compositor {
  /** The result: bg's size, channels and fps (or fg's size over the flat colour). */
  out: Frames;
  /** Composites frames [from, to) into `out`. */
  frames(from: number, to: number): void;
}

/**
 * fg over bg (Porter–Duff "over"). The result has bg's size, channels and fps; it is RGBA (straight alpha)
 * only when the background has alpha.
 */
export function composite(input: CompositeInput): Frames {
  const c = compositor(input);
  c.frames(0, c.out.frames);
  return c.out;
}

/**
 * Checks the inputs and allocates the output once; `frames` then composites any run of frames, so a
 * caller can report progress or stop between frames without copying anything per frame. RGB canvases
 * go through the WebAssembly SIMD kernel (composite-simd.ts), RGBA ones through the loop below.
 */
export function compositor(input: CompositeInput, into?: Frames): Compositor {
  const params = CompositeParams.parse({
    mode: input.mode,
    opacity: input.opacity,
    offset: input.offset,
    color: input.color,
  });
  const fg = checkFrames(input.fg, 'fg');
  const matte = input.alpha ? checkFrames(input.alpha, 'alpha') : undefined;
  if (matte) sameClip(matte, fg, 'alpha', 'fg', true);
  const bg = input.bg ? checkFrames(input.bg, 'bg') : undefined;
  const shape = outputShape(fg, bg, params.color);
  const out = into ? reuse(into, shape) : emptyFrames(shape);
  const plane = out.channels === 4 ? new Float32Array(fg.height * fg.width) : undefined;
  return {
    out,
    frames(from, to) {
      for (let f = from; f < to; f++) {
        // fg covering a whole RGB frame reads bg itself: no copy of bg into the output first
        const whole = !plane && bg !== undefined && covers(out, fg, params);
        if (!whole) fillFrame(out, f, bg, params.color);
        if (plane) overFrameRgba(out, f, fg, alphaPlane(plane, fg, matte, f, params.opacity), params);
        else overFrameRgb(out, whole ? bg.data : out.data, f, fg, matte, params);
      }
    },
  };
}

/** `into` when it has the output's shape (a caller reusing one buffer for many composites). */
function reuse(into: Frames, shape: FramesShape): Frames {
  const fields = ['frames', 'height', 'width', 'channels'] as const;
  if (fields.some((k) => into[k] !== shape[k])) {
    const want = `${shape.frames}×${shape.width}×${shape.height}×${shape.channels}`;
    throw new MediaError('shape-mismatch', `the output clip given is not ${want}`, { input: 'into' });
  }
  return into;
}

/** The output's shape: bg's, or fg's size with the colour's channels. */
function outputShape(fg: Frames, bg: Frames | undefined, color: number[] | undefined): FramesShape {
  if (bg && color) throw new MediaError('invalid-frames', 'give either bg or color, not both', { input: 'bg' });
  if (bg) {
    sameClip(bg, fg, 'bg', 'fg', false);
    return { frames: bg.frames, height: bg.height, width: bg.width, channels: bg.channels, fps: bg.fps };
  }
  if (!color)
    throw new MediaError('invalid-frames', 'composite needs a bg clip or a background color', { input: 'bg' });
  return { frames: fg.frames, height: fg.height, width: fg.width, channels: color.length as 3 | 4, fps: fg.fps };
}

/** Frame f of the output set to bg's frame f, or to the flat colour. */
function fillFrame(out: Frames, f: number, bg: Frames | undefined, color: number[] | undefined): void {
  const n = out.height * out.width * out.channels;
  if (bg) {
    out.data.set(bg.data.subarray(f * n, (f + 1) * n), f * n);
    return;
  }
  const c = (color as number[]).length;
  for (let k = 0; k < c; k++) {
    const v = (color as number[])[k];
    for (let i = f * n + k; i < (f + 1) * n; i += c) out.data[i] = v;
  }
}

/** Where fg placed at (ox, oy) overlaps the canvas: columns [x0, x1) of rows [y0, y1). */
function overlap(out: Frames, fg: Frames, ox: number, oy: number) {
  const x0 = Math.max(0, ox);
  const y0 = Math.max(0, oy);
  return {
    x0,
    y0,
    x1: Math.max(x0, Math.min(out.width, ox + fg.width)),
    y1: Math.max(y0, Math.min(out.height, oy + fg.height)),
  };
}

/** Whether fg, placed, covers the whole canvas. */
function covers(out: Frames, fg: Frames, p: Params): boolean {
  const { x0, x1, y0, y1 } = overlap(out, fg, p.offset.x, p.offset.y);
  return x0 === 0 && y0 === 0 && x1 === out.width && y1 === out.height;
}

/** fg frame f over the RGB canvas frame f (read from `under`: the output itself, or bg) by the SIMD kernel: one span per row, or one per frame when rows are contiguous. */
function overFrameRgb(
  out: Frames,
  under: Float32Array,
  f: number,
  fg: Frames,
  matte: Frames | undefined,
  p: Params,
): void {
  const { x: ox, y: oy } = p.offset;
  const { x0, x1, y0, y1 } = overlap(out, fg, ox, oy);
  const n = x1 - x0;
  if (n === 0 || y1 <= y0) return;
  const alpha: AlphaSource = matte
    ? { matte: matte.data, channels: matte.channels }
    : fg.channels === 4
      ? 'fg'
      : 'none';
  const premult = p.mode === 'premultiplied';
  const outAt = (y: number) => (f * out.height + y) * out.width + x0;
  const fgAt = (y: number) => (f * fg.height + y - oy) * fg.width + x0 - ox;
  if (n === out.width && n === fg.width) {
    overSpanF32(out.data, under, outAt(y0), fg.data, fg.channels, fgAt(y0), alpha, n * (y1 - y0), p.opacity, premult);
    return;
  }
  for (let y = y0; y < y1; y++) {
    overSpanF32(out.data, under, outAt(y), fg.data, fg.channels, fgAt(y), alpha, n, p.opacity, premult);
  }
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

/** `plane` set to the effective fg alpha of frame f (matte, else fg's own alpha, else 1) times opacity. */
function alphaPlane(
  plane: Float32Array,
  fg: Frames,
  matte: Frames | undefined,
  f: number,
  opacity: number,
): Float32Array {
  const n = fg.height * fg.width;
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

/** fg frame f over the straight-alpha RGBA canvas frame f, inside the overlap (plain JavaScript: rare). */
function overFrameRgba(out: Frames, f: number, fg: Frames, alpha: Float32Array, p: Params): void {
  const { x: ox, y: oy } = p.offset;
  const { x0, x1, y0, y1 } = overlap(out, fg, ox, oy);
  const fgBase = f * fg.height * fg.width * fg.channels;
  const fc = fg.channels;
  const d = out.data;
  const s = fg.data;
  // premultiplied fg colour is scaled by opacity only; straight colour by the whole effective alpha
  const premult = p.mode === 'premultiplied';
  for (let y = y0; y < y1; y++) {
    let o = ((f * out.height + y) * out.width + x0) * 4;
    let i = fgBase + ((y - oy) * fg.width + (x0 - ox)) * fc;
    let a = (y - oy) * fg.width + (x0 - ox);
    for (let x = x0; x < x1; x++, o += 4, i += fc, a++) {
      const af = alpha[a];
      const k = premult ? p.opacity : af;
      const ab = d[o + 3] * (1 - af);
      const aOut = af + ab;
      const inv = aOut > 0 ? 1 / aOut : 0;
      d[o] = (s[i] * k + d[o] * ab) * inv;
      d[o + 1] = (s[i + 1] * k + d[o + 1] * ab) * inv;
      d[o + 2] = (s[i + 2] * k + d[o + 2] * ab) * inv;
      d[o + 3] = aOut;
    }
  }
}
