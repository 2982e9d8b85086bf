import { createHash } from 'node:crypto';
import { canonicalJson } from './json.ts';
import type { RunFiles } from './run-files.ts';

/** What a node's cache key is made of; kept per node id so a re-run can say what changed. */
export interface KeyIngredients {
  type: string;
  version: number;
  /** Canonical JSON of each parsed param (defaults applied), the seed left out. */
  params: Record<string, string>;
  /** The resolved seed of a seeded node. */
  seed?: number;
  /** Per input: the node it reads and that node's key. */
  upstream: Record<string, { node: string; key: string }>;
  /** What an external node read (file hash, mtime), from its spec's externalKey. */
  externalKey?: string;
}

/** The sha256 of the ingredients in canonical JSON. */
export function cacheKey(ingredients: KeyIngredients): string {
  return createHash('sha256').update(canonicalJson(ingredients)).digest('hex');
}

/**
 * A cached node result. Frozen, and shared by every later run that hits it: tensors and buffers inside
 * must never be mutated (copy first), or a later run would see the change.
 */
export interface CacheEntry {
  readonly outputs: Readonly<Record<string, unknown>>;
  /** What the node reported through ctx.report when it ran, so a cache hit still records it. */
  readonly facts: Readonly<Record<string, unknown>>;
  readonly bytes: number;
  /** For a sink that writes run files: what it wrote, restored into a later run instead of running it. */
  readonly files?: RunFiles;
}

export interface CacheStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Results larger than the whole bound, never stored. */
  tooLarge: number;
}

const DEFAULT_MAX_BYTES = 1024 ** 3;

/** Content-addressed, memory-bounded store of node outputs with least-recently-used eviction. */
export class ValueCache {
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, CacheEntry>();
  private readonly last = new Map<string, KeyIngredients>();
  private counts = { bytes: 0, hits: 0, misses: 0, evictions: 0, tooLarge: 0 };
  readonly maxBytes: number;

  constructor(opts: { maxBytes?: number } = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** The entry for `key` (now the most recently used), or undefined. */
  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      this.counts.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits++;
    return entry;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a frozen entry, evicting the least recently used ones to stay within the bound. */
  set(
    key: string,
    outputs: Record<string, unknown>,
    facts: Record<string, unknown>,
    bytes: number,
    files?: RunFiles,
  ): CacheEntry {
    const entry: CacheEntry = Object.freeze({
      outputs: Object.freeze({ ...outputs }),
      facts: Object.freeze({ ...facts }),
      bytes,
      ...(files
        ? { files: Object.freeze({ dir: files.dir, paths: Object.freeze([...files.paths]) as string[] }) }
        : {}),
    });
    this.delete(key);
    if (bytes > this.maxBytes) {
      this.counts.tooLarge++;
      return entry;
    }
    while (this.counts.bytes + bytes > this.maxBytes) this.evictOldest();
    this.entries.set(key, entry);
    this.counts.bytes += bytes;
    return entry;
  }

  /** Records the ingredients a node's key was last made of. */
  remember(nodeId: string, ingredients: KeyIngredients): void {
    this.last.set(nodeId, ingredients);
  }

  /** Why the node must run: what changed since its last key (params, seed, upstream nodes), or why no entry. */
  whyRun(nodeId: string, now: KeyIngredients): string {
    const before = this.last.get(nodeId);
    if (!before) return 'no cache entry';
    const changes = describeChanges(before, now);
    return changes.length > 0 ? changes.join('; ') : 'evicted from cache';
  }

  stats(): CacheStats {
    return { entries: this.entries.size, maxBytes: this.maxBytes, ...this.counts };
  }

  /** Drops every entry (stats counters and remembered ingredients stay). */
  clear(): void {
    this.entries.clear();
    this.counts.bytes = 0;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.counts.bytes -= entry.bytes;
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done) return;
    this.delete(oldest.value);
    this.counts.evictions++;
  }
}

function describeChanges(a: KeyIngredients, b: KeyIngredients): string[] {
  const changes: string[] = [];
  if (a.type !== b.type || a.version !== b.version) {
    changes.push(`node type changed: ${a.type} v${a.version} → ${b.type} v${b.version}`);
  }
  const params = changedKeys(a.params, b.params, (x, y) => x === y);
  if (params.length > 0) changes.push(`params changed: ${params.join(', ')}`);
  if (a.seed !== b.seed) changes.push('seed changed');
  const inputs = changedKeys(a.upstream, b.upstream, (x, y) => x.key === y.key && x.node === y.node);
  const nodes = [...new Set(inputs.map((input) => b.upstream[input]?.node ?? a.upstream[input]?.node))];
  if (nodes.length > 0) changes.push(`upstream changed: ${nodes.join(', ')}`);
  if (a.externalKey !== b.externalKey) changes.push('external input changed');
  return changes;
}

/** Keys added, removed or holding a different value, sorted. */
function changedKeys<T>(a: Record<string, T>, b: Record<string, T>, same: (x: T, y: T) => boolean): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !(Object.hasOwn(a, k) && Object.hasOwn(b, k) && same(a[k], b[k]))).sort();
}

/** Rough bytes a value holds, for kinds without a sizeOf: buffers exactly, the rest estimated. */
export function estimateBytes(value: unknown): number {
  let bytes = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') bytes += 2 * v.length;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') bytes += 8;
    else if (typeof v === 'object' && v !== null && !seen.has(v)) {
      seen.add(v);
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) bytes += v.byteLength;
      else {
        bytes += 16;
        for (const item of Object.values(v)) stack.push(item);
      }
    }
  }
  return bytes;
}
