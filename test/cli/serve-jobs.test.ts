import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client';
import type { AppRouter } from '../../api/router.ts';
import type { StudioEvent } from '../../api/schemas.ts';
import { startCli } from './cli-process.ts';
import { ffmpegsUnder, isRunning, slowSaveWorkflow, tempFiles, until } from './processes.ts';

/** `layerflow serve` under load and under attack: its event loop stays free, and kill -9 loses nothing. */

function serve(data: string) {
  const run = startCli(['serve', '--data', data]);
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    run.proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    run.done.then((r) => reject(new Error(`serve exited ${r.code}: ${r.stderr}`)));
  });
  url.catch(() => undefined);
  return { ...run, url };
}

async function client(url: string) {
  const { WebSocket } = await import('ws');
  const base = new URL(url);
  const token = base.searchParams.get('token') ?? '';
  const ws = createWSClient({ url: `ws://${base.host}/ws?token=${token}`, WebSocket: WebSocket as never });
  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink<AppRouter>({ client: ws }),
        false: httpBatchLink<AppRouter>({ url: `http://${base.host}/trpc`, headers: { 'x-layerflow-token': token } }),
      }),
    ],
  });
  return { api, close: () => ws.close() };
}

const linux = process.platform === 'linux' ? false : 'reads /proc to find ffmpeg';

test('a node computing synchronously does not stop the server: cancel lands mid-node', async () => {
  const data = await mkdtemp(join(tmpdir(), 'lf-loop-'));
  const server = serve(data);
  const { api, close } = await client(await server.url);
  try {
    // The largest Demo Clip: seconds of synchronous drawing, never looking at its signal.
    const workflow = {
      schemaVersion: 2,
      nodes: {
        clip: { type: 'layerflow.demo-clip', typeVersion: 1, params: { frames: 256, width: 256, height: 256 } },
        save: { type: 'media.save-image', typeVersion: 1, inputs: { video: { node: 'clip', output: 'blend' } } },
      },
    };
    const events: StudioEvent[] = [];
    const ended = new Promise<void>((resolve) => {
      const sub = api.events.subscribe(undefined, {
        onData: (e) => {
          events.push(e);
          if (e.type === 'node-started' && e.nodeId === 'clip') void api.jobs.cancel.mutate({ jobId: e.jobId });
          if (e.type === 'job-cancelled' || e.type === 'job-finished' || e.type === 'job-failed') {
            sub.unsubscribe();
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 0));
    const { jobId } = await api.jobs.submit.mutate({ workflow: workflow as never });
    await ended;
    const job = await until(async () => {
      const j = await api.jobs.get.query({ jobId });
      return j.status !== 'running' && j;
    }, 'the job to settle');
    assert.equal(job.status, 'cancelled');
    assert.ok(!job.nodes?.clip, 'the clip node was stopped while it ran, not after it finished');
    assert.ok(!events.some((e) => e.type === 'node-finished' && e.nodeId === 'clip'));
  } finally {
    close();
    server.proc.kill('SIGINT');
    assert.equal((await server.done).code, 0);
    await rm(data, { recursive: true, force: true });
  }
});

test('kill -9 of the server during a save: ffmpeg dies with it, the job runs again, no partial file stays', {
  skip: linux,
}, async () => {
  const data = await mkdtemp(join(tmpdir(), 'lf-kill-save-'));
  const first = serve(data);
  const one = await client(await first.url);
  const { jobId } = await one.api.jobs.submit.mutate({ workflow: slowSaveWorkflow() as never });
  one.close();
  const outputs = join(data, 'jobs', 'outputs');
  // ffmpeg runs in the server's engine process, writing a private temp file from when the clip comes in.
  const [encoder] = await until(async () => {
    const found = (await ffmpegsUnder(first.proc.pid as number)).filter((f) => f.output && existsSync(f.output));
    return found.length > 0 && found;
  }, 'the save to start encoding');
  first.proc.kill('SIGKILL');
  await first.done;
  await until(
    async () => !(await isRunning(encoder.pid)) && !existsSync(encoder.output as string),
    'ffmpeg and its half-written file to go with the server',
  );

  const second = serve(data);
  const two = await client(await second.url);
  try {
    const job = await until(async () => {
      const j = await two.api.jobs.get.query({ jobId });
      return (j.status === 'finished' || j.status === 'failed') && j;
    }, 'the interrupted job to run again');
    assert.equal(job.status, 'finished', job.error?.message);
    // The rerun writes into the run folder the job was given (`<time>-<title>`), not a second one.
    const folders = (await readdir(outputs)).filter((name) => !name.startsWith('.'));
    assert.equal(folders.length, 1, `one run folder, found ${folders.join(', ')}`);
    const outDir = join(outputs, folders[0]);
    // The final event comes just before the manifest is written.
    const text = await until(() => readFile(join(outDir, 'manifest.json'), 'utf8').catch(() => ''), 'the manifest');
    assert.deepEqual(await tempFiles(outDir), [], 'what the killed run left half-written is gone');
    const manifest = JSON.parse(text);
    assert.deepEqual(
      manifest.files.map((f: { path: string }) => f.path),
      ['slow.webm'],
    );
  } finally {
    two.close();
    second.proc.kill('SIGINT');
    assert.equal((await second.done).code, 0);
    await rm(data, { recursive: true, force: true });
  }
});
