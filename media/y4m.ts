import type { Frames } from './frames.ts';

/**
 * Clips piped to ffmpeg as YUV4MPEG2 whose "grey" frames are the clip's planes stacked (G, B, R, then
 * alpha): the stream itself carries the size and frame rate, so an encoder process can be started before
 * the clip exists, from the format alone. ffmpeg's y4m reader takes 8-bit colour only as YUV (and 4:4:4
 * with alpha only from 5.0), hence grey planes and `unstackPlanes` to put them back together as RGB(A).
 */

/** `planes` (3: RGB, 4: RGBA) grey planes of each frame; alpha is added opaque, or dropped, as needed. */
export function* y4mStream(f: Frames, planes: 3 | 4, fps = f.fps): Generator<Uint8Array> {
  const [num, den] = rational(fps);
  yield Buffer.from(`YUV4MPEG2 W${f.width} H${f.height * planes} F${num}:${den} Ip A1:1 Cmono\n`);
  const pixels = f.width * f.height;
  const c = f.channels;
  for (let i = 0; i < f.frames; i++) {
    const out = new Uint8Array(6 + pixels * planes);
    out.set(FRAME);
    const src = f.data.subarray(i * pixels * c, (i + 1) * pixels * c);
    PLANE_CHANNELS.slice(0, planes).forEach((channel, k) => {
      const at = 6 + k * pixels;
      if (channel >= c) out.fill(255, at, at + pixels);
      else for (let p = 0; p < pixels; p++) out[at + p] = byte(src[p * c + channel]);
    });
    yield out;
  }
}

const FRAME = Buffer.from('FRAME\n');
/** The clip channel of each stacked plane: ffmpeg's planar RGB order is G, B, R (then A). */
const PLANE_CHANNELS = [1, 2, 0, 3];

/** A [0, 1] value as a byte, rounded and clamped as frames.ts toBytes does. */
function byte(v: number): number {
  const x = v * 255 + 0.5;
  return x <= 0 ? 0 : x >= 255 ? 255 : x | 0;
}

/** fps as a y4m rational (29.97 → 2997:100). */
function rational(fps: number): [number, number] {
  let den = 1;
  while (!Number.isInteger(fps * den) && den < 1e6) den *= 10;
  const num = Math.round(fps * den);
  const g = gcd(num, den);
  return [num / g, den / g];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** ffmpeg filtergraph text taking the stacked stream `[0:v]` to planar RGB(A), labelled `[out]` if given. */
export function unstackPlanes(planes: 3 | 4, out?: string): string {
  const names = ['g', 'b', 'r', 'a'].slice(0, planes);
  const crops = names.map((n, k) => `[p${k}]crop=iw:ih/${planes}:0:${k}*ih/${planes}[${n}]`);
  const map = planes === 4 ? '0x00102030:gbrap' : '0x001020:gbrp';
  return `[0:v]split=${planes}${names.map((_, k) => `[p${k}]`).join('')};${crops.join(';')};${names
    .map((n) => `[${n}]`)
    .join('')}mergeplanes=${map}${out ? `[${out}]` : ''}`;
}
