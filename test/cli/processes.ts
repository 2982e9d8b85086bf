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

/** Names under `dir` (recursively) that are temp files of a write in progress. */
export async function tempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return names.filter((n) => /(^|\/)\.[^/]*\.tmp/.test(n));
}

/** A workflow that takes a while in ffmpeg: a demo clip saved as VP9 with alpha (slow to encode). */
export function slowSaveWorkflow(frames = 32, size = 192): unknown {
  return {
    schemaVersion: 2,
    meta: { title: 'slow save' },
    nodes: {
      clip: { type: 'layerflow.demo-clip', typeVersion: 1, params: { frames, width: size, height: size } },
      save: {
        type: 'media.save-video',
        typeVersion: 1,
        params: { format: 'webm-vp9-alpha', filename: 'slow' },
        inputs: { video: { node: 'clip', output: 'foreground' } },
      },
    },
  };
}
