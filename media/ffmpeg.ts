import { type ChildProcess, spawn } from 'node:child_process';
import { MediaError } from './errors.ts';
import { binaryFor, INSTALL_HINT, type Tool } from './ffmpeg-binaries.ts';

export type { Tool } from './ffmpeg-binaries.ts';

/** The executable for a tool (see ffmpeg-binaries.ts for the order), or a missing-ffmpeg error naming the file. */
function executable(tool: Tool, file: string): string {
  const binary = binaryFor(tool);
  if ('path' in binary) return binary.path;
  throw new MediaError('ffmpeg-missing', `${tool} is needed for ${file}, but ${binary.problem}: ${INSTALL_HINT}`, {
    file,
  });
}

export interface ToolRun {
  /** The file the run is about, named in errors. */
  file: string;
  /** Bytes fed to stdin, chunk by chunk (respecting backpressure); an async source may start later. */
  input?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Bytes fed to the child's fd 3 (ffmpeg's `pipe:3`), like `input`: a second input such as tags. */
  side?: AsyncIterable<Uint8Array>;
  /** Called with the process once spawned (e.g. to unref an encoder kept waiting). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Runs ffmpeg or ffprobe with `args`, resolving to its stdout; errors name the file and quote stderr. */
export function runTool(tool: Tool, args: string[], run: ToolRun): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stdio: ('pipe' | 'ignore')[] = [
      run.input ? 'pipe' : 'ignore',
      'pipe',
      'pipe',
      ...(run.side ? ['pipe' as const] : []),
    ];
    const child: ChildProcess = spawn(executable(tool, run.file), args, { stdio });
    run.onSpawn?.(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new MediaError('ffmpeg-missing', `${tool} was not found (needed for ${run.file}): ${INSTALL_HINT}`, {
              file: run.file,
            })
          : new MediaError('ffmpeg-failed', `${tool} could not start for ${run.file}: ${e.message}`, {
              file: run.file,
            }),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const why = err.trim().split('\n').slice(-6).join('\n') || `exit ${code ?? signal}`;
        reject(new MediaError('ffmpeg-failed', `${tool} failed on ${run.file}:\n${why}`, { file: run.file }));
      }
    });
    if (run.input && child.stdin) feed(child.stdin, run.input).catch(() => child.stdin?.destroy());
    const fd3 = child.stdio[3] as NodeJS.WritableStream | null | undefined;
    if (run.side && fd3) feed(fd3, run.side).catch(() => (fd3 as unknown as { destroy(): void }).destroy());
  });
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
  for await (const chunk of chunks) {
    if (closed) return;
    if (!stdin.write(chunk)) {
      await new Promise<void>((r) => {
        stdin.once('drain', r);
        stdin.once('close', r);
      });
    }
  }
  stdin.end();
}
