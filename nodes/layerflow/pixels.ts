import type { Frames } from '../../media/frames.ts';
import { type Fit, fitFrame } from '../../media/resize.ts';
import { LayerflowError } from './errors.ts';
import type { SequenceLayout } from './layout.ts';

/**
 * Conversions between clips (F, H, W, C) in [0, 1] and the VAE's planar tensors, and between the
 * user's straight-alpha layers and the model's convention: the foreground over flat grey
 * (reference data_video.py keeps rgb·α in [-1, 1], i.e. grey 0.5 where α = 0) and the matte as a
 * 3-channel clip.
 */

/**
 * A clip's first `frames` frames at `width`×`height`, RGB (alpha dropped): area resampling when the size
 * differs, the aspect ratio handled as `fit` says (crop the centre, pad, or stretch).
 */
export function fitClip(
  clip: Frames,
  frames: number,
  width: number,
  height: number,
  input: string,
  fit: Fit = 'stretch',
): Float32Array<ArrayBuffer> {
  if (clip.frames < frames) {
    throw new LayerflowError(
      'too-few-frames',
      `${input} has ${clip.frames} frames; this model needs ${frames} per layer`,
      input,
    );
  }
  const out = new Float32Array(frames * height * width * 3);
  const n = height * width;
  for (let f = 0; f < frames; f++) {
    const src =
      clip.width === width && clip.height === height ? frameOf(clip, f) : fitFrame(clip, f, width, height, fit);
    const c = src.channels;
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < 3; k++) out[(f * n + p) * 3 + k] = src.data[p * c + k];
    }
  }
  return out;
}

function frameOf(clip: Frames, f: number): Frames {
  const n = clip.width * clip.height * clip.channels;
  return { ...clip, frames: 1, data: clip.data.subarray(f * n, (f + 1) * n) };
}

/** One value per pixel: the alpha channel of an RGBA clip, or the mean of a matte clip's RGB. */
export function mattePlane(clip: Frames): Float32Array<ArrayBuffer> {
  const n = clip.frames * clip.height * clip.width;
  const c = clip.channels;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    out[p] = c === 4 ? clip.data[p * 4 + 3] : (clip.data[p * c] + clip.data[p * c + 1] + clip.data[p * c + 2]) / 3;
  }
  return out;
}

/** A matte as the 3-channel grey clip the RGBA models see. */
export function matteClip(plane: Float32Array, shape: Omit<Frames, 'data' | 'channels'>): Frames {
  const data = new Float32Array(plane.length * 3);
  for (let p = 0; p < plane.length; p++) data.fill(plane[p], p * 3, p * 3 + 3);
  return { ...shape, channels: 3, data };
}

/** Straight colour composited over flat grey: the model's foreground layer, 0.5 + α·(f − 0.5). */
export function overGrey(rgb: Float32Array, alpha: Float32Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = 0.5 + alpha[Math.floor(i / 3)] * (rgb[i] - 0.5);
  return out;
}

/** Below this alpha the colour is unknowable (the layer is grey there); straight colour is left grey. */
const MIN_ALPHA = 1 / 512;

/** The straight colour of a foreground layer over grey, given its matte (inverse of overGrey, clamped). */
export function straightFromGrey(layer: Float32Array, alpha: Float32Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(layer.length);
  for (let i = 0; i < layer.length; i++) {
    const a = alpha[Math.floor(i / 3)];
    const v = a > MIN_ALPHA ? 0.5 + (layer[i] - 0.5) / a : 0.5;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/**
 * A matte estimated from layers that carry none (RGB models): blend = fg + (1 − α)(bg − grey) per channel,
 * solved for α by least squares over the three channels; where the background is grey the colour of the
 * foreground layer decides (grey = transparent).
 */
export function estimateMatte(fg: Float32Array, bg: Float32Array, blend: Float32Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(fg.length / 3);
  for (let p = 0; p < out.length; p++) {
    let num = 0;
    let den = 0;
    let off = 0;
    for (let k = 0; k < 3; k++) {
      const i = p * 3 + k;
      const d = bg[i] - 0.5;
      num += (blend[i] - fg[i]) * d;
      den += d * d;
      off = Math.max(off, Math.abs(fg[i] - 0.5));
    }
    const a = den > 1e-4 ? 1 - num / den : off > 2 / 255 ? 1 : 0;
    out[p] = a < 0 ? 0 : a > 1 ? 1 : a;
  }
  return out;
}

/**
 * The VAE's input for a layered sequence: [3, F, H, W] in [-1, 1], the layers in order, with the first
 * frame duplicated in front when the layout leads with it. `clips` are (framesPerLayer, H, W, 3) in [0, 1].
 */
export function planarSequence(layout: SequenceLayout, clips: Float32Array[]): Float32Array<ArrayBuffer> {
  const frame = layout.height * layout.width;
  const F = layout.pixelFrames;
  const planar = new Float32Array(3 * F * frame);
  const put = (src: Float32Array, srcFrame: number, at: number) => {
    for (let p = 0; p < frame; p++) {
      for (let k = 0; k < 3; k++) planar[(k * F + at) * frame + p] = 2 * src[(srcFrame * frame + p) * 3 + k] - 1;
    }
  };
  if (layout.lead) put(clips[0], 0, 0);
  clips.forEach((clip, l) => {
    for (let f = 0; f < layout.framesPerLayer; f++) put(clip, f, layout.lead + l * layout.framesPerLayer + f);
  });
  return planar;
}

/** The VAE decoder's output [3, F, H, W] in [-1, 1] as one RGB clip per layer in [0, 1], the leading duplicate dropped. */
export function layerClips(layout: SequenceLayout, out: Float32Array, fps: number): Record<string, Frames> {
  const frame = layout.height * layout.width;
  const F = layout.pixelFrames;
  const k = layout.framesPerLayer;
  const clips: Record<string, Frames> = {};
  layout.layers.forEach((layer, l) => {
    const data = new Float32Array(k * frame * 3);
    for (let f = 0; f < k; f++) {
      const at = layout.lead + l * k + f;
      for (let p = 0; p < frame; p++) {
        for (let c = 0; c < 3; c++) {
          const v = (out[(c * F + at) * frame + p] + 1) / 2;
          data[(f * frame + p) * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
    clips[layer] = { frames: k, height: layout.height, width: layout.width, channels: 3, fps, data };
  });
  return clips;
}

/** A VAE latent z [C, T, h, w] → the transformer's latents [T, C, h, w] × scale. */
export function latentsFromZ(z: Float32Array, dims: readonly number[], scale: number): Float32Array<ArrayBuffer> {
  const [C, t, h, w] = dims;
  const hw = h * w;
  const out = new Float32Array(C * t * hw);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < t; f++) {
      const src = (c * t + f) * hw;
      const dst = (f * C + c) * hw;
      for (let q = 0; q < hw; q++) out[dst + q] = scale * z[src + q];
    }
  }
  return out;
}

/**
 * A draw from the VAE posterior as reference regularizers.py samples it: mean + exp(0.5 · logvar) · ε,
 * logvar clamped to [−30, 20], in float32. `moments` is [2C, …] (mean, then log-variance); `eps` has one
 * standard-normal value per mean value, in the same order.
 */
export function samplePosterior(moments: Float32Array, eps: Float32Array): Float32Array<ArrayBuffer> {
  const n = moments.length / 2;
  if (eps.length !== n) throw new RangeError(`posterior noise has ${eps.length} values, the latent ${n}`);
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const logvar = Math.min(20, Math.max(-30, moments[n + i]));
    z[i] = moments[i] + Math.fround(Math.fround(Math.exp(0.5 * logvar)) * eps[i]);
  }
  return z;
}

/** The transformer's latents [T, C, h, w] → the VAE decoder's z [C, T, h, w] ÷ scale. */
export function decoderLatents(
  latents: Float32Array,
  shape: readonly number[],
  scale: number,
): Float32Array<ArrayBuffer> {
  const [t, C, h, w] = shape;
  const hw = h * w;
  const z = new Float32Array(latents.length);
  for (let f = 0; f < t; f++) {
    for (let c = 0; c < C; c++) {
      const src = (f * C + c) * hw;
      const dst = (c * t + f) * hw;
      for (let q = 0; q < hw; q++) z[dst + q] = latents[src + q] / scale;
    }
  }
  return z;
}
