import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import yauzl from 'yauzl';
import { TorchFileError } from './errors.ts';

/** Where one record's bytes lie in the file (torch stores every record uncompressed). */
export interface ArchiveRecord {
  /** Name inside the archive's top folder: `data.pkl`, `data/<key>`, `version`, … */
  name: string;
  offset: number;
  size: number;
  compressed: boolean;
}

/** The record index of a torch zip archive (torch.save since 1.6); bytes are read on demand. */
export interface TorchArchive {
  file: string;
  /** File size when indexed: a later read of a different size is refused as a changed file. */
  bytes: number;
  /** The archive's top folder (torch names it after the file: `mp_rank_00_model_states`, `3d-vae`). */
  prefix: string;
  records: ReadonlyMap<string, ArchiveRecord>;
}

/**
 * Indexes a torch zip archive from its central directory (yauzl: zip64 included) and each record's local
 * header, without reading any record. Truncated or non-zip files get an error naming the file.
 */
export async function openTorchArchive(file: string): Promise<TorchArchive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch (err) {
    throw notAnArchive(file, err);
  }
  try {
    const all: ArchiveRecord[] = [];
    for await (const entry of zip.eachEntry()) {
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      const record = {
        name: entry.fileName,
        offset: fileDataStart,
        size: entry.compressedSize,
        compressed: entry.compressionMethod !== 0,
      };
      if (record.offset + record.size > zip.fileSize) {
        throw new TorchFileError('truncated', file, record.name, `record ${record.name} ends past the end of the file`);
      }
      all.push(record);
    }
    return { file, bytes: zip.fileSize, ...topFolder(file, all) };
  } catch (err) {
    if (err instanceof TorchFileError) throw err;
    throw new TorchFileError('truncated', file, undefined, `the zip archive is damaged or truncated (${message(err)})`);
  } finally {
    zip.close();
  }
}

/** The records under the folder that holds `data.pkl`, keyed by their name inside it. */
function topFolder(file: string, all: ArchiveRecord[]): Pick<TorchArchive, 'prefix' | 'records'> {
  const pickle = all.find((r) => /^[^/]+\/data\.pkl$/.test(r.name));
  if (!pickle) {
    throw new TorchFileError(
      'missing-record',
      file,
      'data.pkl',
      'the archive has no <folder>/data.pkl: not a torch file',
    );
  }
  const prefix = pickle.name.slice(0, -'data.pkl'.length);
  const records = new Map<string, ArchiveRecord>();
  for (const r of all) {
    if (r.name.startsWith(prefix))
      records.set(r.name.slice(prefix.length), { ...r, name: r.name.slice(prefix.length) });
  }
  return { prefix: prefix.slice(0, -1), records };
}

/** Reads `length` bytes of a record from `start`, straight from the file, into a fresh aligned buffer. */
export function readRecord(archive: TorchArchive, name: string, start = 0, length?: number): Uint8Array {
  const size = checkedRecord(archive, name).size;
  // Not zero-filled (every byte is read into it) and not pooled, so its offset 0 is aligned for any view.
  return readRecordInto(archive, name, start, Buffer.allocUnsafeSlow(length ?? size - start));
}

/** Fills `into` with the record's bytes from `start`. */
export function readRecordInto(archive: TorchArchive, name: string, start: number, into: Uint8Array): Uint8Array {
  const record = checkedRecord(archive, name);
  if (start < 0 || start + into.length > record.size) {
    throw new TorchFileError(
      'bad-tensor',
      archive.file,
      name,
      `bytes [${start}, ${start + into.length}) lie outside record ${archive.prefix}/${name} (${record.size} bytes)`,
    );
  }
  const fd = openSync(archive.file, 'r');
  try {
    if (fstatSync(fd).size !== archive.bytes) {
      throw new TorchFileError('changed', archive.file, undefined, 'the file changed size since it was opened');
    }
    for (let done = 0; done < into.length; ) {
      const got = readSync(fd, into, done, into.length - done, record.offset + start + done);
      if (got === 0) throw new TorchFileError('truncated', archive.file, undefined, 'the file ended early');
      done += got;
    }
  } finally {
    closeSync(fd);
  }
  return into;
}

function checkedRecord(archive: TorchArchive, name: string): ArchiveRecord {
  const record = archive.records.get(name);
  if (!record) {
    throw new TorchFileError('missing-record', archive.file, name, `record ${archive.prefix}/${name} is missing`);
  }
  if (record.compressed) {
    throw new TorchFileError(
      'compressed-record',
      archive.file,
      name,
      `record ${archive.prefix}/${name} is compressed; torch stores records uncompressed`,
    );
  }
  return record;
}

/** Tells a cut-off zip from a legacy (pre-1.6) torch pickle or something else entirely. */
function notAnArchive(file: string, err: unknown): TorchFileError {
  let head = new Uint8Array(0);
  try {
    const fd = openSync(file, 'r');
    try {
      head = new Uint8Array(4);
      head = head.subarray(0, readSync(fd, head, 0, 4, 0));
    } finally {
      closeSync(fd);
    }
  } catch (readErr) {
    return new TorchFileError('not-torch-zip', file, undefined, `cannot be read (${message(readErr)})`);
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return new TorchFileError(
      'truncated',
      file,
      undefined,
      `the zip archive is truncated or damaged (${message(err)})`,
    );
  }
  if (head[0] === 0x80) {
    return new TorchFileError(
      'not-torch-zip',
      file,
      undefined,
      'a legacy torch file (saved before torch 1.6 or with _use_new_zipfile_serialization=False): not supported',
    );
  }
  return new TorchFileError('not-torch-zip', file, undefined, `not a torch zip archive (${message(err)})`);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
