import type { TensorSource } from '../weights/source.ts';
import { openTorchArchive, readRecord, type TorchArchive } from './archive.ts';
import { TorchFileError } from './errors.ts';
import { ELEMENT_BYTES, findTorchGlobal, StorageClass, TorchStorage, TorchTensor } from './globals.ts';
import { describe, PyDict, type PyValue, unpickle, type Where } from './pickle.ts';
import { tensorSource } from './tensor.ts';

/** A torch.save file, unpickled without running any code; tensors stay on disk until read. */
export interface TorchFile {
  archive: TorchArchive;
  root: PyValue;
}

/** Opens a torch zip file (torch 1.6+ and 2.x layouts) and unpickles its `data.pkl`. */
export async function loadTorchFile(file: string): Promise<TorchFile> {
  const archive = await openTorchArchive(file);
  checkByteOrder(archive);
  const storages = new Map<string, TorchStorage>();
  const root = unpickle(readRecord(archive, 'data.pkl'), {
    file,
    findGlobal: findTorchGlobal,
    persistentLoad: (pid, where) => loadStorage(archive, storages, pid, where),
  });
  return { archive, root };
}

/** torch 2.x writes `byteorder`; older files are little-endian, as are all files this reads. */
function checkByteOrder(archive: TorchArchive): void {
  if (!archive.records.has('byteorder')) return;
  const order = new TextDecoder().decode(readRecord(archive, 'byteorder')).trim();
  if (order !== 'little') {
    throw new TorchFileError(
      'bad-tensor',
      archive.file,
      'byteorder',
      `stored ${order}-endian; only little-endian is read`,
    );
  }
}

/** Persistent id ('storage', torch.<T>Storage, key, location, numel) → the record `data/<key>`. */
function loadStorage(
  archive: TorchArchive,
  cache: Map<string, TorchStorage>,
  pid: PyValue,
  where: Where,
): TorchStorage {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
    throw new TorchFileError(
      'bad-pickle',
      archive.file,
      undefined,
      `persistent id ${describe(pid)} is not a storage (pickle byte ${where.offset})`,
    );
  }
  const [, cls, key, , numel] = pid;
  if (!(cls instanceof StorageClass) || typeof key !== 'string' || typeof numel !== 'number') {
    throw new TorchFileError(
      'bad-pickle',
      archive.file,
      undefined,
      `malformed storage id (pickle byte ${where.offset})`,
    );
  }
  const known = cache.get(key);
  if (known) return known;
  const name = `data/${key}`;
  const record = archive.records.get(name);
  if (!record) {
    throw new TorchFileError(
      'missing-record',
      archive.file,
      name,
      `record ${archive.prefix}/${name} (a tensor storage) is missing`,
    );
  }
  const need = numel * ELEMENT_BYTES[cls.dtype];
  if (record.size < need) {
    throw new TorchFileError(
      'truncated',
      archive.file,
      name,
      `record ${archive.prefix}/${name} holds ${record.size} bytes; its ${numel} ${cls.dtype} elements need ${need}`,
    );
  }
  const storage = new TorchStorage(key, cls.dtype, numel);
  cache.set(key, storage);
  return storage;
}

/** The dict at `key` of the file's top-level dict (`module`, `state_dict`), or an error naming both. */
export function topLevelDict(tf: TorchFile, key: string): PyDict {
  const root = tf.root;
  if (!(root instanceof PyDict)) {
    throw new TorchFileError('bad-pickle', tf.archive.file, key, `holds ${describe(root)}, not a dict with '${key}'`);
  }
  const value = root.get(key);
  if (!(value instanceof PyDict)) {
    const keys = [...root.keys()].map((k) => describe(k)).join(', ');
    throw new TorchFileError(
      'bad-pickle',
      tf.archive.file,
      key,
      `has no state dict '${key}' (top-level keys: ${keys})`,
    );
  }
  return value;
}

/** A state dict's tensors as lazy sources, by key; any other value is an error naming its key. */
export function stateDictSources(tf: TorchFile, dict: PyDict): Map<string, TensorSource> {
  const out = new Map<string, TensorSource>();
  for (const [key, value] of dict) {
    if (typeof key !== 'string')
      throw new TorchFileError('bad-pickle', tf.archive.file, describe(key), 'a state-dict key is not a string');
    if (!(value instanceof TorchTensor)) {
      throw new TorchFileError(
        'bad-tensor',
        tf.archive.file,
        key,
        `state-dict entry ${key} is ${describe(value)}, not a tensor`,
      );
    }
    out.set(key, tensorSource(tf.archive, value, key));
  }
  return out;
}
