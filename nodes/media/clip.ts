import type { PortType } from '../../graph-engine/ports.ts';
import type { SpecIssue } from '../../graph-engine/spec.ts';
import { checkFrames, type Frames } from '../../media/frames.ts';
import { MediaNodeError } from './node-error.ts';

/** A LayeredVideo value: one clip per layer, all the same length and size. */
export interface LayeredFrames {
  layers: string[];
  clips: Record<string, Frames>;
}

/** A matte clip: grey values in its first three channels (mean taken), or a single channel. */
export interface Matte {
  frames: number;
  height: number;
  width: number;
  channels: number;
  fps: number;
  data: Float32Array;
}

/** The Video value arriving at `input`, checked at the node's boundary (errors name the input). */
export function videoInput(value: unknown, input: string): Frames {
  if (value === null || typeof value !== 'object') {
    throw new MediaNodeError('invalid-input', `${input}: expected a video, got ${String(value)}`, input);
  }
  return checkFrames(value as Frames, input);
}

/** The LayeredVideo value at `input`, each layer's clip checked (a 1-channel matte layer becomes grey RGB). */
export function layersInput(value: unknown, input: string): LayeredFrames {
  const v = value as Partial<LayeredFrames> | null;
  if (!v || !Array.isArray(v.layers) || typeof v.clips !== 'object' || v.clips === null) {
    throw new MediaNodeError('invalid-input', `${input}: expected layered video ({ layers, clips })`, input);
  }
  const clips: Record<string, Frames> = {};
  for (const layer of v.layers) {
    const clip = v.clips[layer];
    if (!clip) throw new MediaNodeError('invalid-input', `${input}: layer "${layer}" has no clip`, input);
    const name = `${input}.${layer}`;
    clips[layer] = (clip as { channels: number }).channels === 1 ? matteAsClip(clip, name) : checkFrames(clip, name);
  }
  return { layers: [...v.layers], clips };
}

/** A matte as a clip the media library reads (grey RGB); 3- and 4-channel mattes pass through checked. */
export function matteAsClip(value: unknown, input: string): Frames {
  const m = value as Matte | null;
  if (!m || typeof m !== 'object' || !(m.data instanceof Float32Array)) {
    throw new MediaNodeError('invalid-input', `${input}: expected a matte video`, input);
  }
  if (m.channels !== 1) return checkFrames(m as Frames, input);
  const pixels = m.frames * m.height * m.width;
  if (m.data.length !== pixels) {
    throw new MediaNodeError(
      'invalid-input',
      `${input}: data holds ${m.data.length} values, shape needs ${pixels}`,
      input,
    );
  }
  const data = new Float32Array(pixels * 3);
  for (let p = 0; p < pixels; p++) data.fill(m.data[p], p * 3, p * 3 + 3);
  return checkFrames({ ...m, channels: 3, data }, input);
}

/** The matte's alpha per pixel (mean of its R, G, B, as the compositor reads it), F×H×W values. */
export function matteAlpha(matte: Frames): Float32Array {
  const c = matte.channels;
  const out = new Float32Array(matte.frames * matte.height * matte.width);
  for (let p = 0, i = 0; p < out.length; p++, i += c) {
    out[p] = (matte.data[i] + matte.data[i + 1] + matte.data[i + 2]) / 3;
  }
  return out;
}

/** The clip's colour with `matte` as its alpha channel (replacing any alpha it had). */
export function withMatte(video: Frames, matte: Frames): Frames {
  const alpha = matteAlpha(matte);
  const c = video.channels;
  const data = new Float32Array(alpha.length * 4);
  for (let p = 0; p < alpha.length; p++) {
    data[p * 4] = video.data[p * c];
    data[p * 4 + 1] = video.data[p * c + 1];
    data[p * 4 + 2] = video.data[p * c + 2];
    data[p * 4 + 3] = alpha[p];
  }
  return { ...video, channels: 4, data };
}

/** Frames [start, start + count) of a clip as a clip of its own. */
export function sliceFrames(clip: Frames, start: number, count = clip.frames - start): Frames {
  const n = clip.height * clip.width * clip.channels;
  const end = Math.min(clip.frames, start + count);
  return { ...clip, frames: end - start, data: clip.data.slice(start * n, end * n) };
}

/** The shape fields of a clip or of a Video port type (unknown ones absent). */
type Shape = { frames?: unknown; width?: unknown; height?: unknown; [field: string]: unknown };

/** Throws, naming both inputs, when `a` and `b` differ in frame count (or, with `size`, in frame size). */
export function sameShape(a: Shape, b: Shape, aName: string, bName: string, size: boolean, field = aName): void {
  const why = shapeDifference(a, b, aName, bName, size);
  if (why) throw new MediaNodeError('shape-mismatch', why, field);
}

/** Issues for the editor when the known shapes of two connected inputs disagree (addressed to `aName`). */
export function shapeIssues(
  a: PortType | undefined,
  b: PortType | undefined,
  aName: string,
  bName: string,
  size: boolean,
): SpecIssue[] {
  if (!a || !b) return [];
  const why = shapeDifference(a, b, aName, bName, size);
  return why ? [{ field: aName, code: 'shape-mismatch', message: why }] : [];
}

/** Why two shapes differ, considering only fields both know; null when they agree. */
function shapeDifference(a: Shape, b: Shape, aName: string, bName: string, size: boolean): string | null {
  const known = (v: unknown): v is number => typeof v === 'number';
  if (known(a.frames) && known(b.frames) && a.frames !== b.frames) {
    return `${aName} has ${a.frames} frames but ${bName} has ${b.frames}`;
  }
  const sizeKnown = known(a.width) && known(a.height) && known(b.width) && known(b.height);
  if (size && sizeKnown && (a.width !== b.width || a.height !== b.height)) {
    return `${aName} is ${a.width}×${a.height} but ${bName} is ${b.width}×${b.height}`;
  }
  return null;
}

/** A Video port type from what is known of a clip (unknown fields left out). */
export function videoType(shape: {
  frames?: number;
  width?: number;
  height?: number;
  channels?: number;
  alpha?: boolean;
}): PortType {
  const known = Object.entries(shape).filter(([, v]) => v !== undefined && v !== null);
  return { kind: 'Video', ...Object.fromEntries(known) } as PortType;
}
