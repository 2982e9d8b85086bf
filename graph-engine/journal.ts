import { createReadStream } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-file.ts';

/** A journal line that could not be read back, or a journal file that could not be read at all. */
export interface JournalWarning {
  file: string;
  line: number;
  code: 'torn-line' | 'bad-json' | 'bad-record' | 'unreadable';
  message: string;
}

/** The file operations the journal uses; tests pass one that fails like a full disk. */
export type OpenFile = (path: string, flags: string) => Promise<FileHandle>;

/** A record could not be made durable; nothing of it is left in the file. */
export class JournalWriteError extends Error {
  readonly code = 'journal-write-failed';
  constructor(path: string, cause: unknown) {
    super(`could not record to ${path}: ${(cause as Error).message ?? cause}`, { cause });
    this.name = 'JournalWriteError';
  }
}

/**
 * An append-only JSON-lines file: each record is fsync'd before `append` resolves, so a record a caller
 * saw acknowledged survives a crash. Operations run one at a time in call order. Writes go at the end
 * of what is known good: a record torn by a failed write (a full disk) is cut off before the next one,
 * never glued to it.
 */
export class Journal<R> {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    /** Bytes of whole, acknowledged records. */
    private size: number,
    private readonly openFile: OpenFile,
  ) {}

  /**
   * Opens (creating) `dir/name` and returns the records it holds. Unreadable lines are skipped, with the
   * damaged file kept beside it; a file that cannot be read at all is moved aside and a new one started.
   */
  static async open<S extends z.ZodType>(
    dir: string,
    name: string,
    schema: S,
    openFile: OpenFile = open,
  ): Promise<{ journal: Journal<z.infer<S>>; records: z.infer<S>[]; warnings: JournalWarning[] }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const read = await readJournal(path, schema).catch(async (err: NodeJS.ErrnoException) => {
      const aside = `${path}.unreadable-${stamp()}`;
      await rename(path, aside);
      const message = `${path} could not be read (${err.code ?? err.message}); moved to ${aside} and started a new journal`;
      const warning = { file: path, line: 0, code: 'unreadable' as const, message };
      return { records: [], warnings: [warning], goodBytes: 0 };
    });
    const { records, warnings, goodBytes } = read;
    const handle = await openFile(path, 'a+');
    // A torn last line is never counted: the next append cuts it off even if the rewrite below fails.
    const journal = new Journal<z.infer<S>>(path, handle, goodBytes, openFile);
    if (warnings.some((w) => w.code !== 'unreadable')) {
      // Keep the damaged file for whoever wants the skipped lines, then start clean from what was read.
      // On a full disk neither may be possible; the journal still works, and says so.
      const kept = await copyFile(path, `${path}.damaged-${stamp()}`).then(
        () => journal.rewrite(records),
        (err: Error) => err,
      );
      if (kept instanceof Error) {
        const message = `${path}: could not set the damaged journal aside (${kept.message}); going on with it`;
        warnings.push({ file: path, line: 0, code: 'unreadable', message });
      }
    }
    return { journal, records, warnings };
  }

  /** Appends one record and fsyncs it; on failure the file is as it was before the call. */
  append(record: R): Promise<void> {
    return this.serial(async () => {
      const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
      try {
        // A handle opened for append writes at the end whatever position is asked, so cut first.
        const { size } = await this.handle.stat();
        if (size !== this.size) await this.handle.truncate(this.size);
        for (let done = 0; done < bytes.length; ) {
          const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done);
          done += bytesWritten;
        }
        await this.handle.sync();
      } catch (err) {
        await this.handle.truncate(this.size).catch(() => undefined);
        throw new JournalWriteError(this.path, err);
      }
      this.size += bytes.length;
    });
  }

  /** Replaces the whole journal with `records` atomically (compaction). */
  rewrite(records: R[]): Promise<void> {
    return this.serial(async () => {
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      try {
        await writeFileAtomic(this.path, text);
      } catch (err) {
        throw new JournalWriteError(this.path, err);
      }
      await this.handle.close();
      this.handle = await this.openFile(this.path, 'a+');
      this.size = (await this.handle.stat()).size;
    });
  }

  close(): Promise<void> {
    return this.serial(() => this.handle.close());
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op, op);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Reads a journal line by line (no size limit on the file); a missing file is an empty journal. */
async function readJournal<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<{ records: z.infer<S>[]; warnings: JournalWarning[]; goodBytes: number }> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!info) return { records: [], warnings: [], goodBytes: 0 };
  if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
  const lines: string[] = [];
  const input = createReadStream(path, { encoding: 'utf8' });
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) lines.push(line);
  const goodBytes = await endOfLastLine(path, info.size);
  return { ...parseLines(path, lines, goodBytes === info.size, schema), goodBytes };
}

/** The byte offset just past the file's last newline (0 when there is none): where whole records end. */
async function endOfLastLine(path: string, size: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) return start + at + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/** Parses JSON lines against `schema`; a last line without its newline is a torn write. */
export function parseJournal<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { records: z.infer<S>[]; warnings: JournalWarning[] } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return parseLines(file, lines, text.endsWith('\n') || text === '', schema);
}

function parseLines<S extends z.ZodType>(
  file: string,
  lines: string[],
  complete: boolean,
  schema: S,
): { records: z.infer<S>[]; warnings: JournalWarning[] } {
  const records: z.infer<S>[] = [];
  const warnings: JournalWarning[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    const warn = (code: JournalWarning['code'], why: string) =>
      warnings.push({ file, line, code, message: `${file}:${line}: ${why}; skipped` });
    if (i === lines.length - 1 && !complete) return warn('torn-line', 'last record was cut off mid-write');
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return warn('bad-json', `not JSON (${(err as Error).message})`);
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else warn('bad-record', parsed.error.issues[0]?.message ?? 'not a record');
  });
  return { records, warnings };
}
