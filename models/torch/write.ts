import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ELEMENT_BYTES, STORAGE_DTYPES, type StorageDType } from './globals.ts';

/**
 * Writes files in torch.save's zip layout (pickle protocol 2, records stored uncompressed) from TypeScript:
 * synthetic checkpoints for tests and the import bench, never model weights for users. Storages are
 * produced one chunk at a time, so a multi-GB file never sits in memory.
 */

/** A flat storage: `data/<key>`, written from `chunks()` (little-endian element bytes). */
export interface StorageToWrite {
  key: string;
  dtype: StorageDType;
  numel: number;
  chunks(): Iterable<Uint8Array>;
}

/** A tensor view into a storage (torch._utils._rebuild_tensor_v2); default: contiguous from 0. */
export class TensorToWrite {
  readonly stride: number[];

  constructor(
    readonly storage: StorageToWrite,
    readonly shape: number[],
    stride?: number[],
    readonly offset = 0,
  ) {
    this.stride = stride ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  }
}

/** collections.OrderedDict (state dicts). */
export class OrderedDictToWrite {
  constructor(readonly entries: [string, PickleValue][]) {}
}

/** `module.name(*args)`: any global, to craft files a reader must refuse. */
export class CallToWrite {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: PickleValue[],
  ) {}
}

/** Arrays are tuples, Maps dicts, integral numbers ints. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | Map<string | number, PickleValue>
  | OrderedDictToWrite
  | TensorToWrite
  | CallToWrite;

const STORAGE_CLASS = Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([cls, dtype]) => [dtype, cls])) as Record<
  StorageDType,
  string
>;

/** Pickles `value` with the protocol-2 opcodes torch.save uses (no memo). */
export function pickle(value: PickleValue): Uint8Array {
  const p = new Pickler();
  p.put(value);
  p.bytes(0x2e);
  return Uint8Array.from(p.out);
}

class Pickler {
  readonly out: number[] = [0x80, 2];

  bytes(...b: number[]): void {
    for (const x of b) this.out.push(x);
  }

  put(v: PickleValue): void {
    if (v === null) this.bytes(0x4e);
    else if (typeof v === 'boolean') this.bytes(v ? 0x88 : 0x89);
    else if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) this.int(v);
    else if (typeof v === 'number') this.float(v);
    else if (typeof v === 'string') this.text(v);
    else if (Array.isArray(v)) this.tuple(v);
    else if (v instanceof Map) {
      this.bytes(0x7d);
      this.setItems([...v]);
    } else if (v instanceof OrderedDictToWrite) {
      this.global('collections', 'OrderedDict');
      this.bytes(0x29, 0x52);
      this.setItems(v.entries);
    } else if (v instanceof CallToWrite) {
      this.global(v.module, v.name);
      this.tuple(v.args);
      this.bytes(0x52);
    } else this.tensor(v);
  }

  /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), storage by persistent id. */
  private tensor(v: TensorToWrite): void {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.bytes(0x28, 0x28);
    this.text('storage');
    this.global('torch', STORAGE_CLASS[v.storage.dtype]);
    this.text(v.storage.key);
    this.text('cpu');
    this.int(v.storage.numel);
    this.bytes(0x74, 0x51); // TUPLE, BINPERSID
    this.int(v.offset);
    this.tuple(v.shape);
    this.tuple(v.stride);
    this.bytes(0x89);
    this.put(new OrderedDictToWrite([]));
    this.bytes(0x74, 0x52);
  }

  private int(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < 0x100) return this.bytes(0x4b, n);
    if (typeof n === 'number' && n >= 0 && n < 0x10000) return this.bytes(0x4d, n & 0xff, n >> 8);
    if (typeof n === 'number' && n >= -(2 ** 31) && n < 2 ** 31) {
      this.bytes(0x4a);
      return this.u32(n);
    }
    // LONG1: little-endian two's complement, as few bytes as keep the sign.
    let rest = BigInt(n);
    const le: number[] = [];
    for (;;) {
      le.push(Number(rest & 0xffn));
      rest >>= 8n;
      const negative = (le[le.length - 1] & 0x80) !== 0;
      if ((rest === 0n && !negative) || (rest === -1n && negative)) break;
    }
    this.bytes(0x8a, le.length, ...le);
  }

  private float(v: number): void {
    const f = new DataView(new ArrayBuffer(8));
    f.setFloat64(0, v, false);
    this.bytes(0x47, ...new Uint8Array(f.buffer));
  }

  private u32(n: number): void {
    this.bytes(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  private text(s: string): void {
    const b = new TextEncoder().encode(s);
    this.bytes(0x58);
    this.u32(b.length);
    this.bytes(...b);
  }

  private global(module: string, name: string): void {
    this.bytes(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }

  private tuple(items: PickleValue[]): void {
    if (items.length === 0) return this.bytes(0x29);
    this.bytes(0x28);
    for (const item of items) this.put(item);
    this.bytes(0x74);
  }

  private setItems(entries: [PickleValue, PickleValue][]): void {
    if (entries.length === 0) return;
    this.bytes(0x28);
    for (const [k, v] of entries) {
      this.put(k);
      this.put(v);
    }
    this.bytes(0x75);
  }
}

export interface WriteTorchOptions {
  /** The archive's top folder (torch uses the file name without extension). */
  prefix: string;
  /** Zip64 records and end of central directory even when nothing needs them. */
  forceZip64?: boolean;
}

/** Writes `root` (or ready pickle bytes) and its storages as a torch zip file (temp file, then rename). */
export async function writeTorchFile(
  file: string,
  root: PickleValue | Uint8Array,
  storages: StorageToWrite[],
  opts: WriteTorchOptions,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const entry = { compress: false, forceZip64Format: opts.forceZip64 ?? false };
  zip.addBuffer(Buffer.from(root instanceof Uint8Array ? root : pickle(root)), `${opts.prefix}/data.pkl`, entry);
  for (const s of storages) {
    const size = s.numel * ELEMENT_BYTES[s.dtype];
    zip.addReadStreamLazy(`${opts.prefix}/data/${s.key}`, { ...entry, size }, (cb) =>
      cb(null, Readable.from(s.chunks())),
    );
  }
  zip.addBuffer(Buffer.from('3\n'), `${opts.prefix}/version`, entry);
  zip.end({ forceZip64Format: opts.forceZip64 ?? false, comment: '' });
  const temp = `${file}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(temp));
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
