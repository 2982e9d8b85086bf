import { halfTable } from '../safetensors.ts';
import { bf16ToHalfInScratch, firstNonFiniteInScratch, inScratch, halfScratch as scratchOf } from './half-simd.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half from a float, rounding to nearest even (what ONNX Runtime and numpy do). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to inf
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches inf at the top).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

export function toHalf(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = floatToHalf(data[i]);
  return out;
}

let bf16Table: Uint16Array | undefined;

/** float16 bits of every bfloat16 pattern: widened to float32 (exact), then `floatToHalf`. */
function bf16ToHalfTable(): Uint16Array {
  if (!bf16Table) {
    bf16Table = new Uint16Array(65536);
    const f = new Float32Array(1);
    const bits = new Uint32Array(f.buffer);
    for (let b = 0; b < 65536; b++) {
      bits[0] = b << 16;
      bf16Table[b] = floatToHalf(f[0]);
    }
  }
  return bf16Table;
}

/**
 * `n` float16 slots to read 16-bit stored values into before `halvesToHalf`: the SIMD kernels' memory, so
 * no memory is allocated per tensor. Valid until the next call: use the values before reading another.
 */
export const halfScratch = (n: number): Uint16Array => scratchOf(n, bf16ToHalfTable);

/**
 * 16-bit stored values → float16 bits in place, exactly as widening to float32 and `toHalf` would give:
 * float16 is kept, bfloat16 goes through a 65 536-entry table (SIMD, eight at a time, in `halfScratch`).
 */
export function halvesToHalf(values: Uint16Array, dtype: 'float16' | 'bfloat16'): Uint16Array {
  if (dtype === 'float16') return values;
  if (inScratch(values)) {
    bf16ToHalfInScratch(values);
    return values;
  }
  const table = bf16ToHalfTable();
  for (let i = 0; i < values.length; i++) values[i] = table[values[i]];
  return values;
}

/** Index of the first infinite or NaN float16 value, or -1. */
export function firstNonFinite(bits: Uint16Array): number {
  if (inScratch(bits)) return firstNonFiniteInScratch(bits);
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7c00) === 0x7c00) return i;
  return -1;
}

export function fromHalf(data: Uint16Array): Float32Array {
  const t = halfTable();
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = t[data[i]];
  return out;
}
