import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { JobQueue } from '../../graph-engine/queue.ts';
import { toyRegistry, waitForFile } from './queue-toy-nodes.ts';

const child = new URL('./queue-crash-child.ts', import.meta.url).pathname;

test('after kill -9 mid-queue no queued job or finished record is lost, and the running job runs again', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lf-crash-'));
  const dir = join(root, 'queue');
  const flags = join(root, 'flags');
  await mkdir(flags);
  const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const exited = new Promise((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
    const [line] = await createInterface({ input: proc.stdout })
      [Symbol.asyncIterator]()
      .next()
      .then((r) => [r.value]);
    const { ids } = JSON.parse(line as string) as { ids: string[] };
    // p0 needs no gate and finishes; p1 then waits at its gate, so the kill lands while it runs.
    await waitForFile(join(flags, 'p1.started'));
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
    try {
      assert.deepEqual(queue.warnings, []);
      assert.deepEqual(
        queue.list().map((j) => [j.id, j.title, j.status, j.interruptions]),
        [
          [ids[0], 'p0', 'finished', 0],
          [ids[1], 'p1', 'queued', 1],
          [ids[2], 'p2', 'queued', 0],
          [ids[3], 'p3', 'queued', 0],
        ],
      );
      const p0 = queue.get(ids[0]);
      assert.ok(p0?.manifestPath && existsSync(p0.manifestPath));
      assert.ok(p0?.nodes?.g && p0.finishedAt !== undefined);
      assert.equal(await readFile(join(p0.outDir, 'p0.txt'), 'utf8'), '20');

      for (const name of ['p1', 'p2', 'p3']) await writeFile(join(flags, `${name}.go`), '');
      queue.start();
      await queue.idle();
      assert.deepEqual(
        queue.list().map((j) => j.status),
        ['finished', 'finished', 'finished', 'finished'],
      );
      const log = (await readFile(join(flags, 'order.log'), 'utf8')).trim().split('\n');
      assert.deepEqual(log, ['p0', 'p1', 'p1', 'p2', 'p3']);
      const p1 = queue.get(ids[1]);
      assert.equal(p1?.interruptions, 1);
      assert.equal(await readFile(join(p1?.outDir ?? '', 'p1.txt'), 'utf8'), '22');
      const manifest = JSON.parse(await readFile(p1?.manifestPath ?? '', 'utf8'));
      assert.equal(manifest.status, 'finished');
    } finally {
      await queue.close();
    }

    // The records survive a clean reopen too (compacted journal).
    const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
    assert.deepEqual(
      again.list().map((j) => j.status),
      ['finished', 'finished', 'finished', 'finished'],
    );
    await again.close();
  } finally {
    proc.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
});
