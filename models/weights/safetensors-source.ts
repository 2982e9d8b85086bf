import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';
import { type StDType, toFloat32 } from '../safetensors.ts';
import { halfScratch, halvesToHalf, toHalf } from '../session/float16.ts';
import { WeightFileError } from './file-error.ts';
import { numel, type TensorSource, type WeightDType } from './source.ts';

const DTYPES = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const satisfies Partial<
  Record<StDType, WeightDType>
>;
const BYTES = { F32: 4, F16: 2, BF16: 2 } as const;
type FloatStDType = keyof typeof DTYPES;

/** Longest header we accept (the format's own reader caps it at 100 MB). */
const MAX_HEADER = 100_000_000;
/** Bytes per read call: fs reads of 2 GiB and more fail on some platforms. */
const READ_CHUNK = 1 << 30;

const EntrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

/** A tensor of a safetensors file, read from disk when asked (never the whole file). */
export interface SafetensorsTensor extends TensorSource {
  /** The stored bytes, little-endian, as in the file. */
  readBytes(): Uint8Array;
}

/**
 * The tensors of a safetensors file by key, from its header alone (8-byte length, JSON); each tensor's
 * bytes are read at its offsets when used. Errors name the file and key: a broken header, an element
 * type other than F32/F16/BF16, offsets that disagree with the shape or run past the end of the file.
 */
export function openSafetensors(file: string): Map<string, SafetensorsTensor> {
  const { header, dataStart, size } = readHeader(file);
  const out = new Map<string, SafetensorsTensor>();
  for (const [key, raw] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const parsed = EntrySchema.safeParse(raw);
    if (!parsed.success) throw new WeightFileError('bad-file', file, `${file}: ${key}: malformed header entry`, key);
    const { dtype, shape, data_offsets: offsets } = parsed.data;
    if (!(dtype in DTYPES)) {
      throw new WeightFileError(
        'unknown-dtype',
        file,
        `${file}: ${key} is stored as ${dtype}; only F32, F16 and BF16 weights can be read`,
        key,
      );
    }
    const st = dtype as FloatStDType;
    const [begin, end] = offsets;
    if (end - begin !== numel(shape) * BYTES[st]) {
      throw new WeightFileError(
        'bad-file',
        file,
        `${file}: ${key} [${shape.join(', ')}] ${dtype} needs ${numel(shape) * BYTES[st]} bytes, its offsets hold ${end - begin}`,
        key,
      );
    }
    if (dataStart + end > size) {
      throw new WeightFileError(
        'truncated',
        file,
        `${file}: ${key} ends at byte ${dataStart + end}, the file has ${size} (truncated download?)`,
        key,
      );
    }
    out.set(key, tensorAt(file, key, st, shape, dataStart + begin, end - begin));
  }
  return out;
}

function tensorAt(
  file: string,
  key: string,
  st: FloatStDType,
  shape: number[],
  position: number,
  length: number,
): SafetensorsTensor {
  const readBytes = () => readAt(file, position, length);
  return {
    dtype: DTYPES[st],
    shape,
    file,
    key,
    readBytes,
    toFloat32: () => toFloat32({ dtype: st, shape, bytes: readBytes() }),
    toFloat16() {
      if (st === 'F32') return toHalf(this.toFloat32());
      const out = halfScratch(length / 2); // shared, valid until the next toFloat16 (see TensorSource)
      readInto(file, position, new Uint8Array(out.buffer, out.byteOffset, length));
      return halvesToHalf(out, DTYPES[st]);
    },
  };
}

function readHeader(file: string): { header: Record<string, unknown>; dataStart: number; size: number } {
  const fd = openFile(file);
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8) {
      throw new WeightFileError('truncated', file, `${file}: too short to be a safetensors file`);
    }
    const length = Number(head.readBigUInt64LE(0));
    if (length > MAX_HEADER || 8 + length > size) {
      throw new WeightFileError(
        'bad-file',
        file,
        `${file}: header length ${length} does not fit the file (${size} bytes)`,
      );
    }
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, 8);
    let header: unknown;
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch (e) {
      throw new WeightFileError('bad-file', file, `${file}: the header is not JSON (${(e as Error).message})`);
    }
    if (!header || typeof header !== 'object' || Array.isArray(header)) {
      throw new WeightFileError('bad-file', file, `${file}: the header is not a JSON object`);
    }
    return { header: header as Record<string, unknown>, dataStart: 8 + length, size };
  } finally {
    closeSync(fd);
  }
}

/** `length` bytes at `position` of `file`, read in chunks into one buffer. */
const readAt = (file: string, position: number, length: number) => readInto(file, position, new Uint8Array(length));

/** Fills `out` from byte `position` of `file`. */
function readInto(file: string, position: number, out: Uint8Array): Uint8Array {
  const length = out.length;
  const fd = openFile(file);
  try {
    for (let done = 0; done < length; ) {
      const n = readSync(fd, out, done, Math.min(READ_CHUNK, length - done), position + done);
      if (n <= 0) throw new WeightFileError('truncated', file, `${file}: ended at byte ${position + done}`);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function openFile(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (e) {
    throw new WeightFileError('missing-file', file, `${file}: cannot open (${(e as NodeJS.ErrnoException).code})`);
  }
}
