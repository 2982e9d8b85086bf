import { halfToFloat } from '../safetensors.ts';
import { halfScratch, halvesToHalf, toHalf } from '../session/float16.ts';
import { numel, type TensorSource, type WeightDType } from '../weights/source.ts';
import { readRecord, readRecordInto, type TorchArchive } from './archive.ts';
import { TorchFileError } from './errors.ts';
import { ELEMENT_BYTES, type TorchTensor } from './globals.ts';

const WEIGHT_DTYPES = new Set<string>(['float32', 'float16', 'bfloat16']);

/**
 * A saved tensor as a lazy TensorSource: `toFloat32` reads only the bytes its view spans (storage offset,
 * size and stride honoured: DeepSpeed keeps many tensors in one flat storage) straight from the file.
 */
export function tensorSource(archive: TorchArchive, tensor: TorchTensor, key: string): TensorSource {
  const { storage, offset, shape, stride } = tensor;
  const bad = (message: string) => new TorchFileError('bad-tensor', archive.file, key, `tensor ${key}: ${message}`);
  if (!WEIGHT_DTYPES.has(storage.dtype))
    throw bad(`holds ${storage.dtype} values; weights are float32, float16 or bfloat16`);
  if (offset < 0 || shape.some((s) => s < 0) || stride.some((s) => s < 0)) throw bad('negative offset, size or stride');
  const count = numel(shape);
  const last = count === 0 ? offset - 1 : offset + shape.reduce((sum, s, i) => sum + (s - 1) * stride[i], 0);
  if (last >= storage.numel) {
    throw bad(
      `its view [offset ${offset}, size ${shape}, stride ${stride}] reaches past its storage of ${storage.numel} elements`,
    );
  }
  const dtype = storage.dtype as WeightDType;
  const bytes = ELEMENT_BYTES[dtype];
  return {
    dtype,
    shape,
    file: archive.file,
    key,
    toFloat32() {
      const record = `data/${storage.key}`;
      const span = last - offset + 1;
      if (!isContiguous(shape, stride)) {
        const raw = readRecord(archive, record, offset * bytes, span * bytes);
        return gather(widen(raw, dtype, span), shape, stride);
      }
      return readContiguous(archive, record, offset * bytes, count, dtype);
    },
    toFloat16() {
      if (dtype === 'float32' || !isContiguous(shape, stride)) return toHalf(this.toFloat32());
      // Read into the shared scratch (no allocation per tensor) and converted there: see TensorSource.
      const out = halfScratch(count);
      readRecordInto(
        archive,
        `data/${storage.key}`,
        offset * bytes,
        new Uint8Array(out.buffer, out.byteOffset, 2 * count),
      );
      return halvesToHalf(out, dtype);
    },
  };
}

/** Bytes converted per read: small enough to stay in cache and never be a memory cost. */
const CHUNK_BYTES = 1 << 22;
let scratch: Uint8Array | undefined;

/**
 * `n` contiguous elements from byte `start` of a record as float32: float32 straight into the result,
 * 16-bit types through one reused chunk buffer (fresh memory is touched once, by the result alone).
 */
function readContiguous(archive: TorchArchive, record: string, start: number, n: number, dtype: WeightDType) {
  const out = new Float32Array(n);
  if (dtype === 'float32') {
    readRecordInto(archive, record, start, new Uint8Array(out.buffer));
    return out;
  }
  scratch ??= Buffer.allocUnsafeSlow(CHUNK_BYTES);
  for (let done = 0; done < n; done += CHUNK_BYTES / 2) {
    const m = Math.min(CHUNK_BYTES / 2, n - done);
    const raw = readRecordInto(archive, record, start + 2 * done, scratch.subarray(0, 2 * m));
    widenInto(out.subarray(done, done + m), new Uint16Array(raw.buffer, raw.byteOffset, m), dtype);
  }
  return out;
}

/** Little-endian storage bytes (a fresh, aligned buffer) → float32. */
function widen(raw: Uint8Array, dtype: WeightDType, n: number): Float32Array {
  if (dtype === 'float32') return new Float32Array(raw.buffer, raw.byteOffset, n);
  const out = new Float32Array(n);
  widenInto(out, new Uint16Array(raw.buffer, raw.byteOffset, n), dtype);
  return out;
}

/** 16-bit floats → float32: bfloat16 is its float32's top half, float16 is converted exactly. */
function widenInto(out: Float32Array, halves: Uint16Array, dtype: 'bfloat16' | 'float16'): void {
  if (dtype === 'bfloat16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]);
  }
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}

/** The strided view of `flat` (which starts at the view's first element) in row-major order. */
function gather(flat: Float32Array, shape: readonly number[], stride: readonly number[]): Float32Array {
  const out = new Float32Array(numel(shape));
  const index = new Array(shape.length).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = flat[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      src += stride[d];
      if (++index[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
