import { TorchFileError } from './errors.ts';
import { describe, PyDict, PyGlobal, PyInstance, type PyObject, type PyValue, type Where } from './pickle.ts';

/** Element types of torch's typed storages (torch.<Name>Storage). */
export const STORAGE_DTYPES = {
  BFloat16Storage: 'bfloat16',
  HalfStorage: 'float16',
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  ByteStorage: 'uint8',
  CharStorage: 'int8',
  ShortStorage: 'int16',
  IntStorage: 'int32',
  LongStorage: 'int64',
  BoolStorage: 'bool',
} as const;
export type StorageDType = (typeof STORAGE_DTYPES)[keyof typeof STORAGE_DTYPES];

export const ELEMENT_BYTES: Record<StorageDType, number> = {
  bfloat16: 2,
  float16: 2,
  float32: 4,
  float64: 8,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** A torch.<Name>Storage class: named in persistent ids, never called. */
export class StorageClass extends PyGlobal {
  constructor(
    name: string,
    readonly dtype: StorageDType,
  ) {
    super('torch', name);
  }
}

/** A flat storage: the archive record `data/<key>`, `numel` elements of `dtype`. */
export class TorchStorage implements PyObject {
  readonly pyClass = 'torch.storage';

  constructor(
    readonly key: string,
    readonly dtype: StorageDType,
    readonly numel: number,
  ) {}
}

/** A tensor as torch saves it: a strided view into a storage (torch._utils._rebuild_tensor_v2). */
export class TorchTensor implements PyObject {
  readonly pyClass = 'torch.Tensor';

  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

const fail = (where: Where, message: string): never => {
  throw new TorchFileError('bad-pickle', where.file, undefined, `${message} (pickle byte ${where.offset})`);
};

const isInt = (v: PyValue): v is number => typeof v === 'number' && Number.isInteger(v);
const ints = (v: PyValue): v is number[] => Array.isArray(v) && v.every(isInt);

function rebuildTensor(args: PyValue[], where: Where): TorchTensor {
  const [storage, offset, shape, stride] = args;
  if (!(storage instanceof TorchStorage))
    return fail(where, `_rebuild_tensor_v2 on ${describe(storage)}, not a storage`);
  if (!isInt(offset) || !ints(shape) || !ints(stride) || shape.length !== stride.length) {
    return fail(where, '_rebuild_tensor_v2 with a malformed offset, size or stride');
  }
  return new TorchTensor(storage, offset, shape, stride);
}

function orderedDict(args: PyValue[], where: Where): PyDict {
  const dict = new PyDict(true);
  const [items] = args;
  if (items === undefined) return dict;
  if (!Array.isArray(items)) return fail(where, `OrderedDict(${describe(items)})`);
  for (const pair of items) {
    if (!Array.isArray(pair) || pair.length !== 2) return fail(where, 'OrderedDict items are not pairs');
    dict.set(pair[0], pair[1]);
  }
  return dict;
}

/** _codecs.encode(str, 'latin1'): how protocol 2 spells bytes (numpy array data). */
function latin1(args: PyValue[], where: Where): Uint8Array {
  const [text, encoding] = args;
  if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
    return fail(where, `_codecs.encode(${describe(text)}, ${describe(encoding)}): only latin1 text is taken`);
  }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return fail(where, '_codecs.encode: a character outside latin1');
    out[i] = c;
  }
  return out;
}

const NDARRAY = new PyGlobal('numpy', 'ndarray');

/** numpy's _reconstruct(ndarray, shape, dtype): an array stub whose state a BUILD then sets. */
function reconstruct(module: string) {
  return new PyGlobal(module, '_reconstruct', (args, where) => {
    if (args[0] !== NDARRAY) return fail(where, `${module}._reconstruct of ${describe(args[0])}`);
    return new PyInstance('numpy.ndarray', args);
  });
}

/**
 * The globals a torch checkpoint of weights may name (the golden README's list: DeepSpeed/SAT client
 * state included, numpy 1 and 2 spellings), by `module.name`. Nothing else is ever resolved.
 */
const WHITELIST = new Map<string, PyGlobal>(
  [
    new PyGlobal('collections', 'OrderedDict', orderedDict),
    new PyGlobal('torch._utils', '_rebuild_tensor_v2', rebuildTensor),
    new PyGlobal('torch', 'Size', (args, where) =>
      ints(args[0]) ? [...args[0]] : fail(where, 'torch.Size of non-ints'),
    ),
    new PyGlobal('__builtin__', 'set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])),
    new PyGlobal('_codecs', 'encode', latin1),
    NDARRAY,
    new PyGlobal('numpy', 'dtype', (args) => new PyInstance('numpy.dtype', args)),
    reconstruct('numpy.core.multiarray'),
    reconstruct('numpy._core.multiarray'),
    ...Object.entries(STORAGE_DTYPES).map(([name, dtype]) => new StorageClass(name, dtype)),
  ].map((g) => [g.qualified, g]),
);

/** The whitelisted global `module.name`, or undefined (the unpickler then refuses it). */
export function findTorchGlobal(module: string, name: string): PyGlobal | undefined {
  return WHITELIST.get(`${module}.${name}`);
}
