import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { BackgroundFlush } from './background-flush.ts';
import type { ExternalRef, GraphBuilder, InitializerSink, PlaceInitializer } from './graph.ts';

/** What a finished file holds: its sha256 and size, computed while it was written. */
export interface WrittenFile {
  sha256: string;
  bytes: number;
}

/** ONNX external data wants each tensor aligned; 64 bytes suits mmap and every dtype. */
const ALIGN = 64;

/**
 * One ONNX external-data file that several graphs can share, written as a stream: tensors are appended as
 * the graphs are encoded (one at a time, so a multi-GB model never sits in memory), identical tensors are
 * stored once (keyed by their sha256, so task transformers that share a base model share its bytes), and
 * the file's own sha256 is computed on the way. The disk writes as the file grows (BackgroundFlush).
 */
export class ExternalDataFile implements InitializerSink {
  readonly location: string;
  private readonly fd: number;
  private offset = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly flush: BackgroundFlush;
  private readonly byContent = new Map<string, ExternalRef>();
  private readonly byIdentity = new Map<string, ExternalRef>();
  private closed = false;
  /** Bytes saved by storing repeated tensors once. */
  deduplicatedBytes = 0;

  /** Tensors below `inlineBelow` bytes stay inside the .onnx file (ONNX Runtime reads both kinds). */
  constructor(
    readonly path: string,
    private readonly inlineBelow = 4096,
  ) {
    this.location = basename(path);
    this.fd = openSync(path, 'w');
    this.flush = new BackgroundFlush(this.fd);
  }

  /** For GraphBuilder.encode: stores large tensors here, keeps small ones inline. */
  readonly place: PlaceInitializer = (_name, bytes, identity) => {
    if (bytes.byteLength < this.inlineBelow) return undefined;
    const key = `${createHash('sha256').update(bytes).digest('hex')}:${bytes.byteLength}`;
    let ref = this.byContent.get(key);
    if (ref) {
      this.deduplicatedBytes += bytes.byteLength;
    } else {
      const pad = (ALIGN - (this.offset % ALIGN)) % ALIGN;
      if (pad) this.append(new Uint8Array(pad));
      ref = { location: this.location, offset: this.offset, length: bytes.byteLength };
      this.append(bytes);
      this.byContent.set(key, ref);
      this.flush.wrote(this.offset);
    }
    if (identity) this.byIdentity.set(identity, ref);
    return ref;
  };

  /** The place of a stored tensor a graph already wrote here (the same weight of another task graph). */
  readonly stored = (identity: string): ExternalRef | undefined => {
    const ref = this.byIdentity.get(identity);
    if (ref) this.deduplicatedBytes += ref.length;
    return ref;
  };

  private append(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(this.fd, bytes, at, bytes.byteLength - at);
    this.hash.update(bytes);
    this.offset += bytes.byteLength;
  }

  /** Flushes to disk and closes; the file's hash and size. */
  async close(): Promise<WrittenFile> {
    if (this.closed) throw new Error(`${this.path}: closed twice`);
    this.closed = true;
    try {
      await this.flush.settled();
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
    return { sha256: this.hash.digest('hex'), bytes: this.offset };
  }

  /** Closes without caring about the result (error paths). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush.closeSoon();
  }
}

/** Encodes `g` into `modelPath` with its large weights appended to `data`; the .onnx file's hash and size. */
export function writeGraph(g: GraphBuilder, modelPath: string, data: ExternalDataFile): WrittenFile {
  const model = g.encode(data);
  const fd = openSync(modelPath, 'w');
  try {
    let at = 0;
    while (at < model.byteLength) at += writeSync(fd, model, at, model.byteLength - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { sha256: createHash('sha256').update(model).digest('hex'), bytes: model.byteLength };
}
