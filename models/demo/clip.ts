/** Size of every clip in the demo library: pixel frames per layer and frame size. */
export interface ClipSize {
  frames: number;
  height: number;
  width: number;
}

/** The demo library's clip size (one layer: 16 frames of 64×64, like a 1/7.5-scale LayerFlow clip). */
export const DEMO_SIZE: ClipSize = { frames: 16, height: 64, width: 64 };

/** An 8-bit clip laid out (F, H, W, 3); foreground actors also carry a straight alpha matte (F, H, W). */
export interface Clip extends ClipSize {
  rgb: Uint8Array;
  alpha?: Uint8Array;
}

/** A fresh clip of the given size filled by `shade(f, y, x)` → [r, g, b] in 0..255. */
export function paintClip(size: ClipSize, shade: (f: number, y: number, x: number) => readonly number[]): Clip {
  const { frames, height, width } = size;
  const rgb = new Uint8Array(frames * height * width * 3);
  let at = 0;
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = shade(f, y, x);
        rgb[at++] = byte(c[0]);
        rgb[at++] = byte(c[1]);
        rgb[at++] = byte(c[2]);
      }
    }
  }
  return { ...size, rgb };
}

/** A value in 0..255 rounded to a byte. */
export function byte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}
