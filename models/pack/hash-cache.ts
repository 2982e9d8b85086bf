import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.ts';

/** File name of the verified-hash cache kept inside a pack folder. */
export const HASH_CACHE_FILE = '.verified-hashes.json';

const EntrySchema = z.object({ bytes: z.number(), mtimeMs: z.number(), sha256: z.string() });
const CacheSchema = z.object({ version: z.literal(1), files: z.record(z.string(), EntrySchema) });
type Entry = z.infer<typeof EntrySchema>;

/**
 * Hashes already verified, keyed by (path, size, mtime): re-opening a 10 GB pack must not re-read it.
 * A file touched since (new mtime or size) simply misses and is hashed again.
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

  get(path: string, bytes: number, mtimeMs: number): string | undefined {
    const e = this.files[path];
    return e && e.bytes === bytes && e.mtimeMs === mtimeMs ? e.sha256 : undefined;
  }

  set(path: string, bytes: number, mtimeMs: number, sha256: string): void {
    this.files[path] = { bytes, mtimeMs, sha256 };
    this.dirty = true;
  }

  /** Writes the cache if it changed; returns the error instead of throwing (read-only packs are fine). */
  async save(): Promise<Error | undefined> {
    if (!this.dirty) return undefined;
    try {
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, files: this.files }));
      this.dirty = false;
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }
}
