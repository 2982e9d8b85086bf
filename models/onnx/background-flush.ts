import { closeSync, fdatasync } from 'node:fs';

/** Bytes between flushes, so the disk writes while a multi-GB file is still being produced. */
const FLUSH_EVERY = 128 << 20;

/**
 * Starts writing a file's dirty pages to disk every FLUSH_EVERY bytes, on the thread pool, while the
 * writer goes on. Without it the kernel holds gigabytes dirty, then throttles the writer and leaves most of
 * the flushing to the final fsync. Works from synchronous write loops too: the flushes queue on the pool
 * and report when the event loop next turns. The fd stays open until every flush started has ended.
 */
export class BackgroundFlush {
  private flushedAt = 0;
  private pending = 0;
  private error: Error | undefined;
  private idle: (() => void) | undefined;
  private closeWhenIdle = false;

  constructor(private readonly fd: number) {}

  /** `bytes` of the file are written so far. */
  wrote(bytes: number): void {
    if (bytes - this.flushedAt < FLUSH_EVERY) return;
    this.flushedAt = bytes;
    this.pending++;
    fdatasync(this.fd, (err) => {
      if (err) this.error ??= err;
      if (--this.pending > 0) return;
      if (this.closeWhenIdle) closeSync(this.fd);
      this.idle?.();
    });
  }

  /** Waits for the flushes started; throws the first one's error. */
  async settled(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((done) => (this.idle = done));
    if (this.error) throw this.error;
  }

  /** Closes the fd now, or when the flushes started have ended (error paths, which cannot wait). */
  closeSoon(): void {
    if (this.pending === 0) closeSync(this.fd);
    else this.closeWhenIdle = true;
  }
}
