import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fromBytes } from '../../../media/frames.ts';
import { readSafetensors, type StTensor, toFloat32 } from '../../../models/safetensors.ts';
import type { SequenceLayout } from '../../../nodes/layerflow/layout.ts';
import { matteClip, overGrey } from '../../../nodes/layerflow/pixels.ts';
import type { LayeredVideoValue } from '../../../nodes/layerflow/values.ts';

/** One pipeline/<case>.json with its tensors (../shared/golden/README.md, pipeline/). */
export interface PipelineCase {
  name: string;
  task: 'gen' | 'seg' | 'fg2bg' | 'bg2fg';
  variant: 'rgba' | 'rgb';
  /** The release folder, absolute. */
  release: string;
  prompts: string[];
  sampler: { num_steps: number; timesteps: number[] };
  steps: { index: number; timestep: number; noise_used: string | null; final: boolean }[];
  pixel: { height: number; width: number; frames: number; duplicate_first_frame: boolean };
  latent: { cond_slots: [number, number][]; scale_factor: number };
  tensors: Map<string, StTensor>;
}

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
export const goldenRoot = process.env.LAYERFLOW_GOLDEN_DIR ?? resolve(repoRoot, '..', 'shared', 'golden');
export const TASKS = { gen: 'generate', seg: 'decompose', fg2bg: 'fg-to-bg', bg2fg: 'bg-to-fg' } as const;

/** Every pipeline case under the golden root; throws (naming the folder) when it is missing or empty. */
export function readPipelineCases(): PipelineCase[] {
  const dir = join(goldenRoot, 'pipeline');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no golden pipeline folder at ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no pipeline/*.json in ${dir}`);
  return files.map((f) => {
    const json = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    return {
      ...json,
      name: json.case,
      release: resolve(dirname(join(dir, f)), json.release),
      tensors: readSafetensors(join(dir, json.tensors_file)),
    } as PipelineCase;
  });
}

/** A float tensor of the case by name; throws naming it when absent. */
export function f32(c: PipelineCase, name: string): Float32Array {
  const t = c.tensors.get(name);
  if (!t) throw new Error(`${c.name}: no tensor ${name}`);
  return toFloat32(t);
}

export function bytesOf(c: PipelineCase, name: string): Uint8Array {
  const t = c.tensors.get(name);
  if (!t || t.dtype !== 'U8') throw new Error(`${c.name}: no uint8 tensor ${name}`);
  return t.bytes;
}

export function ids(c: PipelineCase): number[] {
  const t = c.tensors.get('input_ids');
  if (!t || t.dtype !== 'I64') throw new Error(`${c.name}: no int64 input_ids`);
  const b = new Uint8Array(t.bytes);
  return Array.from(new BigInt64Array(b.buffer, 0, b.length / 8), Number);
}

/** max |got − want| / max |want| (the golden files' metric). */
export function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new RangeError(`length ${got.length} ≠ ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

/**
 * The layers the reference's DAVIS loader feeds, built from the case's source bytes with the product's
 * own conversions (media fromBytes, overGrey, matteClip): the foreground as blend·mask over grey, the
 * matte, the blend again in the background slot, and the blend.
 */
export function referenceLayers(c: PipelineCase, fps: number): LayeredVideoValue {
  const blend = fromBytes(bytesOf(c, 'source_blend_u8'));
  const mask = fromBytes(bytesOf(c, 'source_mask_u8'));
  const frames = 16;
  const { height, width } = c.pixel;
  const clip = (data: Float32Array<ArrayBuffer>) => ({ frames, height, width, channels: 3 as const, fps, data });
  const clips: LayeredVideoValue['clips'] = {
    foreground: clip(overGrey(blend, mask)),
    background: clip(blend),
    blend: clip(blend),
  };
  if (c.variant === 'rgba') clips.alpha = matteClip(mask, { frames, height, width, fps });
  return { layers: Object.keys(clips), clips };
}

/** The planar VAE input the product assembles, as the loader's [frames, 3, H, W] (the leading duplicate dropped). */
export function loaderOrder(layout: SequenceLayout, planar: Float32Array): Float32Array {
  const F = layout.pixelFrames;
  const n = layout.height * layout.width;
  const out = new Float32Array((F - layout.lead) * 3 * n);
  for (let f = layout.lead; f < F; f++) {
    for (let ch = 0; ch < 3; ch++) {
      out.set(planar.subarray((ch * F + f) * n, (ch * F + f + 1) * n), ((f - layout.lead) * 3 + ch) * n);
    }
  }
  return out;
}

/** [1, F, 3, H, W] (the golden's decoded) → the decoder's planar [3, F, H, W]. */
export function planarOf(frames: Float32Array, F: number, n: number): Float32Array {
  const out = new Float32Array(frames.length);
  for (let f = 0; f < F; f++) {
    for (let ch = 0; ch < 3; ch++) out.set(frames.subarray((f * 3 + ch) * n, (f * 3 + ch + 1) * n), (ch * F + f) * n);
  }
  return out;
}
