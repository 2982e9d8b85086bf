import { resolve } from 'node:path';
import { MediaError } from './errors.ts';
import { binaryFor, INSTALL_HINT, type Tool, type Use } from './ffmpeg-binaries.ts';
import { SpawnError, spawnTool, type ToolProcess } from './spawn.ts';

export type { Tool } from './ffmpeg-binaries.ts';

/** The executable for a tool (see ffmpeg-binaries.ts for the order), or a missing-ffmpeg error naming the file. */
function executable(tool: Tool, use: Use, file: string): string {
  const binary = binaryFor(tool, use);
  if ('path' in binary) return binary.path;
  throw new MediaError('ffmpeg-missing', `${tool} is needed for ${file}, but ${binary.problem}: ${INSTALL_HINT}`, {
    file,
  });
}

/**
 * A path as ffmpeg must be given it: an absolute `file:` URL. A bare argument would be read as an
 * option when it starts with "-" (a file named `-report`) and as a protocol when it has a colon
 * (`http:…`, `concat:…`, `subfile:…`), so a file name could make ffmpeg fetch or read something else.
 */
export function fileArg(path: string): string {
  return `file:${resolve(path)}`;
}

export interface ToolRun {
  /** The file the run is about, named in errors. */
  file: string;
  /** encode: ffmpeg only writes frames we pipe in; read (the default): it parses a file (which binary: ffmpeg-binaries.ts). */
  use?: Use;
  /** Bytes fed to stdin, chunk by chunk (respecting backpressure); an async source may start later. */
  input?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Bytes fed to the child's fd 3 (ffmpeg's `pipe:3`), like `input`: a second input such as tags. */
  side?: AsyncIterable<Uint8Array>;
  /** Called with the process once spawned (e.g. to unref an encoder kept waiting). */
  onSpawn?: (child: ToolProcess) => void;
  /** Aborting kills the tool at once (SIGKILL) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Most stdout bytes to take: past it the tool is killed and the run fails (a file lying about its size). */
  maxOutputBytes?: number;
}

/** Tools running now, killed when this process exits so none outlives it (Ctrl-C twice, process.exit). */
const live = new Set<ToolProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs ffmpeg or ffprobe with `args`, resolving to its stdout; errors name the file and quote stderr. */
export async function runTool(tool: Tool, args: string[], run: ToolRun): Promise<Buffer> {
  run.signal?.throwIfAborted();
  const stdio: ('pipe' | 'ignore')[] = [
    run.input ? 'pipe' : 'ignore',
    'pipe',
    'pipe',
    ...(run.side ? ['pipe' as const] : []),
  ];
  const child = await spawnTool(executable(tool, run.use ?? 'read', run.file), args, stdio).catch((e: unknown) => {
    throw startFailure(tool, run.file, e);
  });
  return new Promise((resolvePromise, reject) => {
    live.add(child);
    run.onSpawn?.(child);
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let stopped: Error | undefined;
    const stop = (why: Error) => {
      stopped ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = () => stop(run.signal?.reason ?? new Error('aborted'));
    run.signal?.addEventListener('abort', onAbort, { once: true });
    if (run.signal?.aborted) onAbort();
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (run.maxOutputBytes !== undefined && outBytes > run.maxOutputBytes) {
        const limit = `${(run.maxOutputBytes / 2 ** 20).toFixed(0)} MiB`;
        stop(new MediaError('too-large', `${run.file} decodes to more than ${limit}; refused`, { file: run.file }));
        return;
      }
      out.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      run.signal?.removeEventListener('abort', onAbort);
      if (stopped) reject(stopped);
      else if (code === 0) resolvePromise(Buffer.concat(out));
      else {
        const why = err.trim().split('\n').slice(-6).join('\n') || `exit ${code ?? signal}`;
        reject(new MediaError('ffmpeg-failed', `${tool} failed on ${run.file}:\n${why}`, { file: run.file }));
      }
    });
    if (run.input && child.stdin) feed(child.stdin, run.input).catch(() => child.stdin?.destroy());
    const fd3 = child.stdio[3];
    if (run.side && fd3) feed(fd3, run.side).catch(() => fd3.destroy());
  });
}

/** Why a tool did not start, naming the file it was for. */
function startFailure(tool: Tool, file: string, e: unknown): MediaError {
  const code = e instanceof SpawnError ? e.code : undefined;
  if (code === 'ENOENT') {
    return new MediaError('ffmpeg-missing', `${tool} was not found (needed for ${file}): ${INSTALL_HINT}`, { file });
  }
  return new MediaError('ffmpeg-failed', `${tool} could not start for ${file}: ${(e as Error).message}`, { file });
}

/** Writes chunks to a child's stdin with backpressure; a closed pipe is reported by the exit code instead. */
async function feed(
  stdin: NodeJS.WritableStream,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  let closed = false;
  stdin.on('error', () => {
    closed = true;
  });
  stdin.on('close', () => {
    closed = true;
  });
  for await (const chunk of chunks) {
    if (closed) return;
    if (!stdin.write(chunk)) {
      await new Promise<void>((r) => {
        const go = () => {
          stdin.off('drain', go);
          stdin.off('close', go);
          r();
        };
        stdin.on('drain', go);
        stdin.on('close', go);
      });
    }
  }
  if (!closed) stdin.end();
}
