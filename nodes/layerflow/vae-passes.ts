import { z } from 'zod';
import { LayerflowError } from './errors.ts';

/** VAE Encode's and Decode's `chunkFrames` (0 = one pass; each node's docs say what a pass holds). */
export const ChunkFramesParam = z
  .number()
  .int()
  .min(0)
  .max(100000)
  .default(0)
  .meta({ widget: 'number', label: 'Chunk frames (0 = one pass)', step: 1 });

/** One VAE encoder pass: the pixel frames it reads, the latent frames it yields, how many lead-in latents to drop. */
export interface EncodePass {
  /** Latent frames [from, to) of the whole sequence this pass yields. */
  latents: [number, number];
  /** Pixel frames [from, to) it encodes (its lead-in context included). */
  pixels: [number, number];
  /** Latent frames at the start of the pass that only give context and are dropped. */
  skip: number;
}

/** Latent frames of the lead-in each later pass encodes before its own frames, so its causal convolutions see real history. */
export const CONTEXT_LATENTS = 2;

/**
 * How the causal VAE maps pixel frames to latent frames (reference cp_enc_dec.py): an odd sequence takes
 * the first-frame path (latent 0 = pixel 0, then each latent covers the next `tc` frames), an even one
 * plain groups of `tc`.
 */
export function latentFrameCount(pixelFrames: number, tc: number): number {
  const odd = pixelFrames % 2 === 1 && tc > 1;
  const covered = odd ? pixelFrames - 1 : pixelFrames;
  if (covered % tc !== 0) {
    throw new LayerflowError(
      'shape-mismatch',
      `${pixelFrames} pixel frames do not fit the VAE's temporal compression ${tc}`,
    );
  }
  return (odd ? 1 : 0) + covered / tc;
}

/**
 * The passes that encode `pixelFrames` frames at most `chunkFrames` at a time (0: one pass, exactly as the
 * reference). Later passes start CONTEXT_LATENTS latent frames early and drop those, so their causal
 * convolutions see real history. Still approximate on a real VAE (each pass has its own GroupNorm
 * statistics over its frames); exact for a VAE without temporal reach or norms (the demo's).
 */
export function encodePasses(pixelFrames: number, tc: number, chunkFrames: number): EncodePass[] {
  const total = latentFrameCount(pixelFrames, tc);
  const odd = pixelFrames % 2 === 1 && tc > 1;
  const start = (j: number) => (odd ? (j === 0 ? 0 : 1 + tc * (j - 1)) : tc * j);
  const end = (j: number) => (odd ? 1 + tc * j : tc * (j + 1));
  const per = chunkFrames > 0 ? Math.max(1, Math.floor(chunkFrames / tc)) : total;
  const passes: EncodePass[] = [];
  for (let a = 0; a < total; a += per) {
    const b = Math.min(total, a + per);
    const from = Math.max(0, a - CONTEXT_LATENTS);
    passes.push({ latents: [a, b], pixels: [start(from), end(b - 1)], skip: a - from });
  }
  return passes;
}

/**
 * The latent frames [from, to) of each VAE decoder pass when at most about `chunkFrames` pixel frames are
 * decoded at a time (0: one pass, as the reference). Passes hold an even number of latents (at least 2)
 * so each takes the decoder's even path, except that an odd sequence's first pass also holds latent 0
 * (the first-frame path): [0, 3) then pairs for 8 frames, as the reference's sample_video.py decodes.
 */
export function decodePasses(latentFrames: number, tc: number, chunkFrames: number, odd: boolean): [number, number][] {
  if (chunkFrames <= 0) return [[0, latentFrames]];
  const per = Math.max(2, 2 * Math.floor(chunkFrames / (2 * tc)));
  const passes: [number, number][] = [];
  for (let a = 0; a < latentFrames; ) {
    const b = Math.min(latentFrames, a + per + (odd && a === 0 ? 1 : 0));
    passes.push([a, b]);
    a = b;
  }
  return passes;
}
