import { readFileSync } from 'node:fs';

/** Element types we read from and write to safetensors files. */
export type StDType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8';

export interface StTensor {
  dtype: StDType;
  shape: number[];
  /** Raw little-endian bytes of the tensor. */
  bytes: Uint8Array;
}

const BYTES: Record<StDType, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1 };

/** Parses a safetensors buffer; throws naming `source` when the header or offsets are inconsistent. */
export function parseSafetensors(buf: Uint8Array, source = 'safetensors'): Map<string, StTensor> {
  if (buf.byteLength < 8) throw new Error(`${source}: file is too short to be safetensors`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > buf.byteLength) throw new Error(`${source}: header length ${headerLen} exceeds the file`);
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen))) as Record<
    string,
    { dtype: StDType; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLen;
  const out = new Map<string, StTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    const want = entry.shape.reduce((a, b) => a * b, 1) * (BYTES[entry.dtype] ?? Number.NaN);
    if (end - begin !== want || base + end > buf.byteLength) {
      throw new Error(`${source}: tensor ${name} is truncated or its offsets do not match its shape`);
    }
    out.set(name, { dtype: entry.dtype, shape: entry.shape, bytes: buf.subarray(base + begin, base + end) });
  }
  return out;
}

export function readSafetensors(path: string): Map<string, StTensor> {
  return parseSafetensors(readFileSync(path), path);
}

/** A tensor as float32 (always a fresh array; converts F16/BF16). */
export function toFloat32(t: StTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.dtype === 'F32') return new Float32Array(new Uint8Array(t.bytes).buffer, 0, n);
  if (t.dtype !== 'BF16' && t.dtype !== 'F16') throw new Error(`tensor of dtype ${t.dtype} cannot be read as float32`);
  // A view when the bytes are 2-aligned (fresh reads are), else a copy.
  const b = t.bytes.byteOffset % 2 ? new Uint8Array(t.bytes) : t.bytes;
  const halves = new Uint16Array(b.buffer, b.byteOffset, n);
  const out = new Float32Array(n);
  if (t.dtype === 'BF16') {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) u[i] = halves[i] << 16;
    return out;
  }
  const table = halfTable();
  for (let i = 0; i < n; i++) out[i] = table[halves[i]];
  return out;
}

let halfValues: Float32Array | undefined;

/** Every float16 bit pattern as float32 (256 KB, built once: a lookup beats decoding per element). */
function halfTable(): Float32Array {
  if (!halfValues) {
    halfValues = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfValues[h] = halfToFloat(h);
  }
  return halfValues;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Serializes tensors to the safetensors format (keys sorted, as the reference writer does). */
export function serializeSafetensors(tensors: Map<string, StTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as StTensor;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const name of names) {
    const t = tensors.get(name) as StTensor;
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/** A float32 tensor entry for serializeSafetensors. */
export function f32Tensor(data: Float32Array, shape: number[]): StTensor {
  return { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
