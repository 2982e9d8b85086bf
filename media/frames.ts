import { z } from 'zod';
import { MediaError } from './errors.ts';

/**
 * A clip in memory: F frames of H×W pixels, C channels (3 = RGB, 4 = RGBA with straight alpha), float32
 * values in [0, 1], laid out (F, H, W, C).
 */
export const FramesShape = z.object({
  frames: z.number().int().positive(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(3), z.literal(4)]),
  fps: z.number().positive(),
});
export type FramesShape = z.infer<typeof FramesShape>;

export const Frames = FramesShape.extend({ data: z.instanceof(Float32Array) }).superRefine((f, ctx) => {
  const want = f.frames * f.height * f.width * f.channels;
  if (f.data.length !== want) {
    ctx.addIssue({
      code: 'custom',
      path: ['data'],
      message: `data holds ${f.data.length} values, shape needs ${want}`,
    });
  }
});
export type Frames = z.infer<typeof Frames>;

/** Zero-filled frames of the given shape. */
export function emptyFrames(shape: FramesShape): Frames {
  const s = FramesShape.parse(shape);
  return { ...s, data: new Float32Array(s.frames * s.height * s.width * s.channels) };
}

/** Checks a Frames value at a boundary; the error names `input`. */
export function checkFrames(f: Frames, input: string): Frames {
  const r = Frames.safeParse(f);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new MediaError('invalid-frames', `${input}: ${issue.path.join('.') || 'value'}: ${issue.message}`, { input });
  }
  return f;
}

/**
 * How float [0, 1] values become 8-bit: `round` to the nearest level (unbiased: a value that came from a
 * byte goes back to that byte), or `truncate` as the LayerFlow reference writes its mp4 frames
 * (test_video.py: `(255.0 * v).astype(uint8)` in float32), which reads up to one level darker.
 */
export const Quantize = z.enum(['round', 'truncate']);
export type Quantize = z.infer<typeof Quantize>;

/** One float [0, 1] value as a byte, clamped; rounded unless `quantize` says truncate. */
export function toByte(v: number, quantize: Quantize = 'round'): number {
  // the reference's product is float32, truncated by astype(uint8)
  const x = quantize === 'round' ? v * 255 + 0.5 : Math.fround(v * 255);
  return x <= 0 ? 0 : x >= 255 ? 255 : x | 0;
}

/** Float [0,1] frame values to 8-bit, clamped; rounded unless `quantize` says truncate. */
export function toBytes(
  data: Float32Array,
  out = new Uint8Array(data.length),
  quantize: Quantize = 'round',
): Uint8Array {
  for (let i = 0; i < data.length; i++) out[i] = toByte(data[i], quantize);
  return out;
}

/** 8-bit values to float [0,1]. */
export function fromBytes(
  bytes: Uint8Array,
  out: Float32Array<ArrayBuffer> = new Float32Array(bytes.length),
): Float32Array<ArrayBuffer> {
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/** One frame of a clip as a single-frame clip sharing no memory with it. */
export function frameAt(f: Frames, index: number): Frames {
  const n = f.height * f.width * f.channels;
  return { ...f, frames: 1, data: f.data.slice(index * n, (index + 1) * n) };
}
