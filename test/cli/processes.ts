import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** Waits until `check` returns something truthy (polling: /proc and temp files have no events to wait on). */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    const got = await check();
    if (got) return got;
    if (signal?.aborted) throw new Error(`gave up waiting for ${what}`);
    await delay(50);
  }
}

/** Pids of the processes whose command line mentions `text` (Linux /proc; none elsewhere). */
export async function processesMentioning(text: string): Promise<number[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  const hits: number[] = [];
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text) && Number(pid) !== process.pid) hits.push(Number(pid));
  }
  return hits;
}

/** An ffmpeg started by a process or its children, and the file it writes (its last `file:` argument). */
export interface RunningFfmpeg {
  pid: number;
  output?: string;
}

/**
 * The ffmpeg processes under `root` (its children, theirs, …): encoders may write into a private temp
 * folder rather than the output folder, so they are found by ancestry (Linux /proc; none elsewhere).
 */
export async function ffmpegsUnder(root: number): Promise<RunningFfmpeg[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  const parent = new Map<number, number>();
  const args = new Map<number, string[]>();
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    parent.set(Number(pid), ppid);
    args.set(Number(pid), cmdline);
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...args]
    .filter(([pid, argv]) => argv.length > 0 && /(^|\/)ffmpeg$/.test(argv[0]) && under(pid))
    .map(([pid, argv]) => ({
      pid,
      output: argv
        .filter((a) => a.startsWith('file:'))
        .pop()
        ?.slice(5),
    }));
}

/** Whether a process is running (a zombie, which has no command line, is not). */
export async function isRunning(pid: number): Promise<boolean> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')) !== '';
}

/** Names under `dir` (recursively) that are temp files of a write in progress. */
export async function tempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return names.filter((n) => /(^|\/)\.[^/]*\.tmp/.test(n));
}

/**
 * A workflow that takes a while in ffmpeg: a demo clip saved as VP9 with alpha at the slower "small"
 * settings (seconds of encoding, while "fast" can finish between two looks at /proc).
 */
export function slowSaveWorkflow(frames = 32, size = 192): unknown {
  return {
    schemaVersion: 2,
    meta: { title: 'slow save' },
    nodes: {
      clip: { type: 'layerflow.demo-clip', typeVersion: 1, params: { frames, width: size, height: size } },
      save: {
        type: 'media.save-video',
        typeVersion: 1,
        params: { format: 'webm-vp9-alpha', filename: 'slow', speed: 'small' },
        inputs: { video: { node: 'clip', output: 'foreground' } },
      },
    },
  };
}
