import type { Frames } from './frames.ts';

/** Source spans and weights covering each output index when `from` samples map onto `to` (area resampling). */
function areaTaps(from: number, to: number): { start: Int32Array; weights: Float32Array[] } {
  const start = new Int32Array(to);
  const weights: Float32Array[] = [];
  const ratio = from / to;
  for (let i = 0; i < to; i++) {
    const lo = i * ratio;
    const hi = Math.min(from, (i + 1) * ratio);
    const first = Math.min(from - 1, Math.floor(lo));
    const last = Math.max(first, Math.ceil(hi) - 1);
    const w = new Float32Array(last - first + 1);
    for (let s = first; s <= last; s++) w[s - first] = Math.min(hi, s + 1) - Math.max(lo, s);
    const sum = w.reduce((a, b) => a + b, 0);
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    start[i] = first;
    weights.push(w);
  }
  return { start, weights };
}

/** Frame `index` of a clip resampled to width × height by area averaging (a box filter; exact for downscaling). */
export function resizeFrame(clip: Frames, index: number, width: number, height: number): Frames {
  const c = clip.channels;
  const src = clip.data.subarray(index * clip.width * clip.height * c, (index + 1) * clip.width * clip.height * c);
  const cols = areaTaps(clip.width, width);
  const rows = areaTaps(clip.height, height);
  const mid = new Float32Array(clip.height * width * c); // horizontal pass first
  for (let y = 0; y < clip.height; y++) {
    for (let x = 0; x < width; x++) {
      const w = cols.weights[x];
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = 0; t < w.length; t++) acc += w[t] * src[(y * clip.width + cols.start[x] + t) * c + k];
        mid[(y * width + x) * c + k] = acc;
      }
    }
  }
  const out = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const w = rows.weights[y];
    for (let x = 0; x < width * c; x++) {
      let acc = 0;
      for (let t = 0; t < w.length; t++) acc += w[t] * mid[(rows.start[y] + t) * width * c + x];
      out[y * width * c + x] = acc;
    }
  }
  return { frames: 1, height, width, channels: clip.channels, fps: clip.fps, data: out };
}

/** How a frame of another aspect ratio is brought to a target size. */
export type Fit = 'crop' | 'pad' | 'stretch';
export const FITS: readonly Fit[] = ['crop', 'pad', 'stretch'];

/** The source rectangle `crop` keeps (centred, the target's aspect) and the inner size `pad` scales to. */
export function fitGeometry(
  from: { width: number; height: number },
  to: { width: number; height: number },
): { crop: { x: number; y: number; width: number; height: number }; inner: { width: number; height: number } } {
  const wide = from.width * to.height > to.width * from.height;
  const cw = wide ? Math.max(1, Math.round((from.height * to.width) / to.height)) : from.width;
  const ch = wide ? from.height : Math.max(1, Math.round((from.width * to.height) / to.width));
  const scale = Math.min(to.width / from.width, to.height / from.height);
  return {
    crop: { x: Math.floor((from.width - cw) / 2), y: Math.floor((from.height - ch) / 2), width: cw, height: ch },
    inner: {
      width: Math.max(1, Math.min(to.width, Math.round(from.width * scale))),
      height: Math.max(1, Math.min(to.height, Math.round(from.height * scale))),
    },
  };
}

/**
 * Frame `index` at width × height: `stretch` resamples the whole frame, `crop` keeps the centred part of
 * the target's aspect ratio, `pad` fits the whole frame inside and fills the rest with zeros (black, clear).
 */
export function fitFrame(clip: Frames, index: number, width: number, height: number, fit: Fit): Frames {
  if (fit === 'stretch' || clip.width * height === width * clip.height) return resizeFrame(clip, index, width, height);
  const c = clip.channels;
  const { crop, inner } = fitGeometry(clip, { width, height });
  if (fit === 'crop') {
    const data = new Float32Array(crop.width * crop.height * c);
    const base = index * clip.width * clip.height * c;
    for (let y = 0; y < crop.height; y++) {
      const row = base + ((crop.y + y) * clip.width + crop.x) * c;
      data.set(clip.data.subarray(row, row + crop.width * c), y * crop.width * c);
    }
    return resizeFrame({ ...clip, frames: 1, width: crop.width, height: crop.height, data }, 0, width, height);
  }
  const small = resizeFrame(clip, index, inner.width, inner.height);
  const out = new Float32Array(width * height * c);
  const x0 = Math.floor((width - inner.width) / 2);
  const y0 = Math.floor((height - inner.height) / 2);
  for (let y = 0; y < inner.height; y++) {
    out.set(small.data.subarray(y * inner.width * c, (y + 1) * inner.width * c), ((y0 + y) * width + x0) * c);
  }
  return { ...small, width, height, data: out };
}
