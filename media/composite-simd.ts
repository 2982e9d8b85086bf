import { WASM_BASE64 } from './wasm/composite.wasm.ts';

/**
 * The WebAssembly SIMD "over" kernels of wasm/composite.wat. Pixels go through the module's memory in
 * chunks of CHUNK pixels (small enough to stay in cache), so no buffer is allocated per frame or per call.
 */

/** Pixels per kernel call. */
export const CHUNK = 4096;
/** Slack after each region: the float kernel reads and writes 4 bytes past its last pixel. */
const PAD = 16;

interface Kernels {
  memory: WebAssembly.Memory;
  overU8(out: number, bg: number, fg: number, n: number, op: number): void;
  alphaF32(dst: number, src: number, stride: number, mean3: number, n: number, opacity: number): void;
  overF32(out: number, fg: number, fgStride: number, alpha: number, n: number, k: number, premult: number): void;
}

/** Byte offsets of the regions in the module's memory. */
const AT = (() => {
  const canvas = 0; // CHUNK float RGB pixels (the uint8 kernel uses the start of it for RGB bytes)
  const fg = canvas + CHUNK * 12 + PAD; // CHUNK float RGBA pixels, or RGBA bytes
  const matte = fg + CHUNK * 16 + PAD; // CHUNK float pixels of up to 4 channels
  const alpha = matte + CHUNK * 16 + PAD; // CHUNK float alphas
  const one = alpha + CHUNK * 4 + PAD; // the float 1, for an fg without alpha
  return { canvas, fg, matte, alpha, one, end: one + PAD };
})();

let kernels: Kernels | undefined;
let f32: Float32Array;
let u8: Uint8Array;

function instance(): Kernels {
  if (kernels) return kernels;
  const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  const k = new WebAssembly.Instance(module).exports as unknown as Kernels;
  const need = Math.ceil(AT.end / 65536) - k.memory.buffer.byteLength / 65536;
  if (need > 0) k.memory.grow(need);
  f32 = new Float32Array(k.memory.buffer);
  u8 = new Uint8Array(k.memory.buffer);
  f32[AT.one / 4] = 1;
  kernels = k;
  return k;
}

/** Where a span's fg alpha comes from: a matte (mean of 3 channels), fg's own alpha, or none (opaque). */
export type AlphaSource = { matte: Float32Array; channels: number } | 'fg' | 'none';

/**
 * `n` pixels of fg (float RGB or RGBA, from pixel `fgAt`) over the float RGB canvas `under` (from pixel
 * `outAt`), written to the same pixels of `out` (which may be `under`). Alpha per `alpha` (matte pixels indexed like fg) times `opacity`; colour scaled by
 * alpha (straight) or by opacity (premultiplied).
 */
export function overSpanF32(
  out: Float32Array,
  under: Float32Array,
  outAt: number,
  fg: Float32Array,
  fgChannels: number,
  fgAt: number,
  alpha: AlphaSource,
  n: number,
  opacity: number,
  premultiplied: boolean,
): void {
  const k = instance();
  for (let done = 0; done < n; done += CHUNK) {
    const m = Math.min(CHUNK, n - done);
    const o = (outAt + done) * 3;
    const i = (fgAt + done) * fgChannels;
    f32.set(under.subarray(o, o + m * 3), AT.canvas / 4);
    f32.set(fg.subarray(i, i + m * fgChannels), AT.fg / 4);
    if (alpha === 'none') k.alphaF32(AT.alpha, AT.one, 0, 0, m, opacity);
    else if (alpha === 'fg') k.alphaF32(AT.alpha, AT.fg + 12, 16, 0, m, opacity);
    else {
      const c = alpha.channels;
      const j = (fgAt + done) * c;
      f32.set(alpha.matte.subarray(j, j + m * c), AT.matte / 4);
      k.alphaF32(AT.alpha, AT.matte, c * 4, 1, m, opacity);
    }
    k.overF32(AT.canvas, AT.fg, fgChannels * 4, AT.alpha, m, opacity, premultiplied ? 1 : 0);
    out.set(f32.subarray(AT.canvas / 4, AT.canvas / 4 + m * 3), o);
  }
}

/**
 * 8-bit "over": `bg` (RGB bytes) under `fg` (straight RGBA bytes) times `opacity`, written to `out` (RGB
 * bytes, may be `bg`), rounded as the float path rounds when its result is saved as bytes.
 */
export function overBytes(out: Uint8Array, bg: Uint8Array, fg: Uint8Array, opacity = 1): void {
  const pixels = bg.length / 3;
  if (!Number.isInteger(pixels) || fg.length !== pixels * 4 || out.length !== bg.length) {
    throw new RangeError(`overBytes: ${bg.length} RGB, ${fg.length} RGBA and ${out.length} output bytes disagree`);
  }
  const k = instance();
  const op = Math.round(Math.min(1, Math.max(0, opacity)) * 255);
  for (let p = 0; p < pixels; p += CHUNK) {
    const m = Math.min(CHUNK, pixels - p);
    u8.set(bg.subarray(p * 3, (p + m) * 3), AT.canvas);
    u8.set(fg.subarray(p * 4, (p + m) * 4), AT.fg);
    k.overU8(AT.canvas, AT.canvas, AT.fg, m, op);
    out.set(u8.subarray(AT.canvas, AT.canvas + m * 3), p * 3);
  }
}
