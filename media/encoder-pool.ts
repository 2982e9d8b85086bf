import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EncodedFormat, type Encoder, EncoderOptions, startEncoder } from './encoder.ts';

/**
 * Encoders started ahead of need. Every encoder from here writes into a private temp folder and is moved
 * to its file when it finishes. A long-lived host (the editor's engine, `layerflow serve`) can keep spares:
 * after an encoder of some format and options is used, another one like it is started and left waiting, so
 * a re-run's save (say after an opacity change) starts encoding at once instead of loading ffmpeg again.
 * Spares are off by default: a one-shot CLI run would only start processes to end them.
 */

/** How long a spare waits for work before it is ended. */
const IDLE_MS = 120_000;

let perKind = 0;
/** How long after an encoder is used its replacement starts: after the job that used it, not during it. */
let delayMs = 1000;
let dir: string | undefined;
const spares = new Map<string, { encoder: Encoder; idle: NodeJS.Timeout }[]>();

/**
 * Keep up to `count` idle encoders per format and options (0: none, ending those kept), each started
 * `opts.delayMs` (default 1 s) after one like it was used.
 */
export function keepSpareEncoders(count: number, opts: { delayMs?: number } = {}): void {
  perKind = Math.max(0, Math.floor(count));
  delayMs = opts.delayMs ?? 1000;
  for (const list of spares.values()) {
    for (const spare of list.splice(perKind)) end(spare);
  }
}

/** An encoder for `format` and `options`: a waiting spare when there is one, else a new process. */
export function takeEncoder(format: EncodedFormat, options: EncoderOptions): Encoder {
  const opts = EncoderOptions.parse(options);
  const key = kindKey(format, opts);
  const spare = spares.get(key)?.shift();
  let encoder: Encoder;
  if (spare) {
    clearTimeout(spare.idle);
    encoder = spare.encoder;
    encoder.hold(true);
  } else encoder = startEncoder(format, opts, spareDir());
  // the replacement starts once this one is done and a moment later, not while the job that took it works
  const replace = () => {
    if (perKind > 0) setTimeout(() => topUp(format, opts), delayMs).unref();
  };
  return {
    ...encoder,
    finish: (clip, path, fps, tags) => encoder.finish(clip, path, fps, tags).finally(replace),
    cancel: () => encoder.cancel().finally(replace),
  };
}

/** Gives back an encoder that was taken but not used: kept as a spare if there is room, else ended. */
export async function returnEncoder(encoder: Encoder): Promise<void> {
  const list = spares.get(kindKey(encoder.format, encoder.options)) ?? [];
  if (list.length >= perKind) return encoder.cancel();
  park(encoder);
}

/** Spares waiting now, per "format speed padOdd" (for tests and the bench). */
export function spareCounts(): Record<string, number> {
  return Object.fromEntries([...spares].map(([key, list]) => [key, list.length]));
}

function kindKey(format: EncodedFormat, o: { speed: string; padOdd: boolean }): string {
  return `${format} ${o.speed} ${o.padOdd}`;
}

function topUp(format: EncodedFormat, opts: EncoderOptions): void {
  const list = spares.get(kindKey(format, EncoderOptions.parse(opts))) ?? [];
  if (list.length < perKind) park(startEncoder(format, opts, spareDir()));
}

/** Leaves the encoder waiting, not holding this process open, ended after IDLE_MS unused. */
function park(encoder: Encoder): void {
  const key = kindKey(encoder.format, encoder.options);
  const list = spares.get(key) ?? [];
  spares.set(key, list);
  encoder.hold(false);
  const spare = {
    encoder,
    idle: setTimeout(() => {
      list.splice(list.indexOf(spare), 1);
      end(spare);
    }, IDLE_MS).unref(),
  };
  list.push(spare);
}

function end(spare: { encoder: Encoder; idle: NodeJS.Timeout }): void {
  clearTimeout(spare.idle);
  spare.encoder.cancel().catch(() => {});
}

/** This process's folder for encoders' unfinished files, removed when it exits (a waiting ffmpeg then sees its input end). */
function spareDir(): string {
  if (!dir) {
    const made = mkdtempSync(join(tmpdir(), 'layerflow-encoders-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    dir = made;
  }
  return dir;
}
