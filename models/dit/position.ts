import { type DitConfig, ditDims } from './config.ts';

/**
 * 1-D sin-cos embedding of `pos` into `dim` channels, row-major [pos.length, dim]: first half sin, second
 * half cos, ω_k = 10000^(−k/(dim/2)); float64 as the reference's numpy get_1d_sincos_pos_embed_from_grid.
 */
function sincos1d(dim: number, pos: Float64Array, out: Float64Array, stride: number, offset: number): void {
  const half = dim / 2;
  for (let m = 0; m < pos.length; m++) {
    for (let k = 0; k < half; k++) {
      const angle = pos[m] * (1 / 10000 ** (k / half));
      out[m * stride + offset + k] = Math.sin(angle);
      out[m * stride + offset + half + k] = Math.cos(angle);
    }
  }
}

/** np.arange(n, dtype=float32) / interpolation, rounded to float32 as numpy does. */
function grid(n: number, interpolation: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.fround(i / interpolation));
}

/**
 * The 3D sin-cos table of the video tokens, [frames · gridH · gridW, hidden] in (t, h, w) order, as the
 * reference get_3d_sincos_pos_embed: channels [temporal D/4 | spatial 3D/4], the spatial half split into
 * an embedding of the *column* (w) coordinate then the *row* (h) one (its meshgrid puts w first).
 */
export function videoPositionEmbedding(c: DitConfig): Float32Array {
  const { posFrames: frames, gridH, gridW, hidden } = ditDims(c);
  const temporal = hidden / 4;
  const spatialHalf = ((hidden / 4) * 3) / 2;
  const hw = gridH * gridW;
  const time = new Float64Array(frames * temporal);
  sincos1d(temporal, grid(frames, c.time_interpolation), time, temporal, 0);
  const cols = grid(gridW, c.width_interpolation);
  const rows = grid(gridH, c.height_interpolation);
  const colOf = Float64Array.from({ length: hw }, (_, i) => cols[i % gridW]);
  const rowOf = Float64Array.from({ length: hw }, (_, i) => rows[Math.floor(i / gridW)]);
  const space = new Float64Array(hw * 2 * spatialHalf);
  sincos1d(spatialHalf, colOf, space, 2 * spatialHalf, 0);
  sincos1d(spatialHalf, rowOf, space, 2 * spatialHalf, spatialHalf);
  const out = new Float32Array(frames * hw * hidden);
  for (let t = 0; t < frames; t++) {
    for (let s = 0; s < hw; s++) {
      const row = (t * hw + s) * hidden;
      for (let k = 0; k < temporal; k++) out[row + k] = time[t * temporal + k];
      for (let k = 0; k < 2 * spatialHalf; k++) out[row + temporal + k] = space[s * 2 * spatialHalf + k];
    }
  }
  return out;
}

/** The reference's constructed position table [1, text + pos_frames video rows, D]: zero text rows, then 3D sin-cos. */
export function positionTable(c: DitConfig): Float32Array {
  const video = videoPositionEmbedding(c);
  const out = new Float32Array(c.text_length * c.hidden_size + video.length);
  out.set(video, c.text_length * c.hidden_size);
  return out;
}

/** The layer index of every text token ([text_length, 1]): token j belongs to prompt ⌊j / 226⌋. */
export function textLayerIndices(c: DitConfig): Float32Array {
  return Float32Array.from({ length: c.text_length }, (_, j) => Math.floor(j / c.text_tokens_per_layer));
}

/**
 * Frequencies of the sinusoidal timestep embedding (sgm diffusionmodules/util.py timestep_embedding,
 * max_period 10000): exp(−ln(10000) · k / half), rounded through float32 at each step as torch computes it.
 */
export function timestepFrequencies(dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const minusLog = Math.fround(-Math.log(10000));
  return Float32Array.from({ length: half }, (_, k) => Math.exp(Math.fround(Math.fround(minusLog * k) / half)));
}
