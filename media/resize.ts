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
