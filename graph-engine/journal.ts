import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-file.ts';

/** A journal line that could not be read back; replay skips it and goes on. */
export interface JournalWarning {
  file: string;
  line: number;
  code: 'torn-line' | 'bad-json' | 'bad-record';
  message: string;
}

/**
 * An append-only JSON-lines file: each record is fsync'd before `append` resolves, so a record a caller
 * saw acknowledged survives a crash. Operations run one at a time in call order.
 */
export class Journal<R> {
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private handle: FileHandle,
  ) {}

  /** Opens (creating) `dir/name` and returns the records it holds, skipping unreadable lines. */
  static async open<S extends z.ZodType>(
    dir: string,
    name: string,
    schema: S,
  ): Promise<{ journal: Journal<z.infer<S>>; records: z.infer<S>[]; warnings: JournalWarning[] }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const { records, warnings } = parseJournal(path, text, schema);
    const journal = new Journal<z.infer<S>>(path, await open(path, 'a'));
    // Rewrite at once: a torn tail would otherwise glue onto the next appended record.
    if (warnings.length > 0) await journal.rewrite(records);
    return { journal, records, warnings };
  }

  /** Appends one record and fsyncs it. */
  append(record: R): Promise<void> {
    return this.serial(async () => {
      await this.handle.write(`${JSON.stringify(record)}\n`);
      await this.handle.sync();
    });
  }

  /** Replaces the whole journal with `records` atomically (compaction). */
  rewrite(records: R[]): Promise<void> {
    return this.serial(async () => {
      await this.handle.close();
      await writeFileAtomic(this.path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      this.handle = await open(this.path, 'a');
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

/** Parses JSON lines against `schema`; a last line without its newline is a torn write. */
export function parseJournal<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { records: z.infer<S>[]; warnings: JournalWarning[] } {
  const records: z.infer<S>[] = [];
  const warnings: JournalWarning[] = [];
  const lines = text.split('\n');
  const complete = text.endsWith('\n') || text === '';
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    if (i === lines.length - 1 && !complete) {
      warnings.push({
        file,
        line,
        code: 'torn-line',
        message: `${file}:${line}: last record was cut off mid-write; skipped`,
      });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      warnings.push({
        file,
        line,
        code: 'bad-json',
        message: `${file}:${line}: not JSON (${(err as Error).message}); skipped`,
      });
      return;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else
      warnings.push({
        file,
        line,
        code: 'bad-record',
        message: `${file}:${line}: ${parsed.error.issues[0]?.message}; skipped`,
      });
  });
  return { records, warnings };
}
