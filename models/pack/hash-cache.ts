import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.ts';

/** File name of the verified-hash cache kept inside a pack folder. */
export const HASH_CACHE_FILE = '.verified-hashes.json';

/** What identifies a file's content without reading it: a rewrite, a replacement or a touch changes one of these. */
export interface FileStamp {
  ino: number;
  bytes: number;
  mtimeMs: number;
  ctimeMs: number;
}

const EntrySchema = z.object({
  ino: z.number(),
  bytes: z.number(),
  mtimeMs: z.number(),
  ctimeMs: z.number(),
  sha256: z.string(),
});
// Version 1 keyed by size and mtime only; its entries are dropped and hashed again.
const CacheSchema = z.object({ version: z.literal(2), files: z.record(z.string(), EntrySchema) });
type Entry = z.infer<typeof EntrySchema>;

/** The stamp of a stat result. */
export const stampOf = (info: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): FileStamp => ({
  ino: info.ino,
  bytes: info.size,
  mtimeMs: info.mtimeMs,
  ctimeMs: info.ctimeMs,
});

const sameStamp = (e: Entry, s: FileStamp) =>
  e.ino === s.ino && e.bytes === s.bytes && e.mtimeMs === s.mtimeMs && e.ctimeMs === s.ctimeMs;

/**
 * Hashes already verified, keyed by (path, inode, size, mtime, ctime): re-opening a 10 GB pack must not
 * re-read it. A file replaced, rewritten or touched since (any of them changed; ctime also catches a
 * restored mtime) simply misses and is hashed again.
 */
export class HashCache {
  private constructor(
    private readonly file: string,
    private readonly files: Record<string, Entry>,
    private dirty = false,
  ) {}

  /** Loads the cache; a missing or unreadable cache is an empty one (it only saves time). */
  static async load(file: string): Promise<HashCache> {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    let parsed: z.infer<typeof CacheSchema> | undefined;
    try {
      parsed = text === undefined ? undefined : CacheSchema.parse(JSON.parse(text));
    } catch {
      parsed = undefined; // a corrupt cache is rebuilt, never trusted
    }
    return new HashCache(file, parsed?.files ?? {});
  }

  get(path: string, stamp: FileStamp): string | undefined {
    const e = this.files[path];
    return e && sameStamp(e, stamp) ? e.sha256 : undefined;
  }

  set(path: string, stamp: FileStamp, sha256: string): void {
    this.files[path] = { ...stamp, sha256 };
    this.dirty = true;
  }

  /** Writes the cache if it changed; returns the error instead of throwing (read-only packs are fine). */
  async save(): Promise<Error | undefined> {
    if (!this.dirty) return undefined;
    try {
      await writeFileAtomic(this.file, JSON.stringify({ version: 2, files: this.files }));
      this.dirty = false;
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }
}
