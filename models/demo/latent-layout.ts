import type { ClipSize } from './clip.ts';

/**
 * The demo VAE is space-to-depth: pixel (c, y, x) of a frame goes to latent channel
 * c·s² + (y mod s)·s + (x mod s) at (y div s, x div s), s = the spatial compression. One pixel frame is
 * one latent frame (temporal compression 1), so every step is exact and invertible.
 */
export function latentChannels(spatial: number): number {
  return 3 * spatial * spatial;
}

/**
 * An (F, H, W, channels) clip in the DiT's latent order (F, 3s², H/s, W/s), values unchanged; a
 * one-channel matte is repeated into the three colour channels (the RGBA models see it as a 3-channel clip).
 */
export function toLatentOrder<T extends Uint8Array | Float32Array>(
  pixels: T,
  size: ClipSize,
  spatial: number,
  channels: 1 | 3,
): T {
  const { frames, height, width } = size;
  const h = height / spatial;
  const w = width / spatial;
  const out = new (pixels.constructor as new (n: number) => T)(frames * 3 * height * width);
  let at = 0;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < 3; c++) {
      for (let dy = 0; dy < spatial; dy++) {
        for (let dx = 0; dx < spatial; dx++) {
          for (let by = 0; by < h; by++) {
            for (let bx = 0; bx < w; bx++) {
              const y = by * spatial + dy;
              const x = bx * spatial + dx;
              const pixel = (f * height + y) * width + x;
              out[at++] = channels === 3 ? pixels[pixel * 3 + c] : pixels[pixel];
            }
          }
        }
      }
    }
  }
  return out;
}
