import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { listOutputFiles } from '../../api/output-files.ts';
import { childRunner } from '../../graph-engine/child-runner.ts';
import { FolderLockedError } from '../../graph-engine/folder-lock.ts';
import { JobEntrySchema } from '../../graph-engine/job.ts';
import { buildManifest } from '../../graph-engine/manifest.ts';
import { JOURNAL_FILE, JobQueue } from '../../graph-engine/queue.ts';
import { runJob } from '../../graph-engine/run-job.ts';
import { isRunning, until } from '../cli/processes.ts';
import { gateWorkflow, sinkWorkflow, toyRegistry, waitForFile } from './queue-toy-nodes.ts';

/**
 * The faults the attack pass found in the job queue, each reproduced: two processes on one folder, a
 * full disk mid-append, a huge workflow, a journal that cannot be read, a job that kills its process,
 * a stuck node that ignores cancel, temp files and a manifest that cannot be written.
 */

const TOY_MODULE = new URL('./queue-toy-nodes.ts', import.meta.url).pathname;
const SLOW_MODULE = new URL('./slow-registry.ts', import.meta.url).pathname;
const RESTART_CHILD = new URL('./queue-restart-child.ts', import.meta.url).pathname;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lf-fault-'));
}

const lines = async (dir: string) => (await readFile(join(dir, JOURNAL_FILE), 'utf8')).split('\n').filter(Boolean);

test('a second queue on the same folder is refused, naming the process that holds it', async () => {
  const dir = await tempDir();
  const first = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  try {
    await assert.rejects(JobQueue.open({ dir, registry: toyRegistry() }), (err: Error) => {
      assert.ok(err instanceof FolderLockedError);
      assert.match(err.message, new RegExp(`in use by process ${process.pid}\\b`));
      return true;
    });
  } finally {
    await first.close();
  }
  const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  await again.close();
  await rm(dir, { recursive: true, force: true });
});

/** A file handle whose writes fail like a full disk from the `failAt`-th write on: half the bytes, then ENOSPC. */
function fullDiskAfter(failAt: number, recover: { now: boolean }) {
  let writes = 0;
  return async (path: string, flags: string): Promise<FileHandle> => {
    const handle = await open(path, flags);
    const write = handle.write.bind(handle) as (b: Buffer, o: number, l: number) => Promise<{ bytesWritten: number }>;
    return new Proxy(handle, {
      get(target, key) {
        if (key !== 'write') {
          const value = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (buf: Buffer, offset: number, length: number) => {
          writes += 1;
          if (writes < failAt || recover.now) return write(buf, offset, length);
          await write(buf, offset, Math.floor(length / 2));
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        };
      },
    });
  };
}

test('a full disk mid-append leaves no torn line: the failed job is refused, every acknowledged one survives', async () => {
  const dir = await tempDir();
  const recover = { now: false };
  // Write 1 is the open's compaction (not through the handle); submits append one line each.
  const queue = await JobQueue.open({
    dir,
    registry: toyRegistry(),
    paused: true,
    openFile: fullDiskAfter(3, recover),
  });
  const acked: string[] = [];
  acked.push((await queue.submit(gateWorkflow('a', dir, 1))).id);
  acked.push((await queue.submit(gateWorkflow('b', dir, 2))).id);
  await assert.rejects(queue.submit(gateWorkflow('c', dir, 3)), /could not record to .*no space left/);
  assert.deepEqual(
    queue.list().map((j) => j.id),
    acked,
    'the refused job is not listed',
  );
  recover.now = true;
  acked.push((await queue.submit(gateWorkflow('d', dir, 4))).id);
  await queue.close();
  for (const line of await lines(dir)) JobEntrySchema.parse(JSON.parse(line));
  const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  assert.deepEqual(again.warnings, []);
  assert.deepEqual(
    again.list().map((j) => [j.id, j.status]),
    acked.map((id) => [id, 'queued']),
  );
  await again.close();
  await rm(dir, { recursive: true, force: true });
});

/** Mounts a tmpfs of `size` at a fresh folder; undefined where this user may not mount. */
function smallDisk(size: string): string | undefined {
  const dir = join(tmpdir(), `lf-tmpfs-${process.pid}-${Date.now()}`);
  try {
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}
const canMount = (() => {
  const probe = process.platform === 'linux' ? smallDisk('64k') : undefined;
  if (probe) execFileSync('umount', [probe]);
  return probe !== undefined;
})();

test('on a real full disk (tmpfs) no acknowledged job is lost and no temp file is left', {
  skip: canMount ? false : 'needs permission to mount a tmpfs',
}, async () => {
  const disk = smallDisk('192k') as string;
  try {
    const dir = join(disk, 'queue');
    await mkdir(dir);
    await writeFile(join(disk, 'ballast'), Buffer.alloc(64 * 1024));
    const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true, warn: () => {} });
    const acked: string[] = [];
    let refused = 0;
    for (let i = 0; refused < 3 && i < 500; i++) {
      // A long title makes each record big, as a real workflow is.
      const wf = { ...(gateWorkflow(`j${i}`, dir, i) as object), meta: { title: `j${i} ${'x'.repeat(900)}` } };
      await queue.submit(wf).then(
        (job) => acked.push(job.id),
        () => {
          refused += 1;
        },
      );
    }
    assert.ok(refused > 0, 'the disk filled up');
    await rm(join(disk, 'ballast'));
    acked.push((await queue.submit(gateWorkflow('after', dir, 1))).id);
    await queue.close();
    const entries = await readdir(disk, { recursive: true });
    assert.deepEqual(
      entries.filter((e) => /\.tmp/.test(e)),
      [],
      'temp files of failed writes are removed',
    );
    const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
    assert.deepEqual(again.warnings, []);
    assert.deepEqual(
      again.list().map((j) => j.id),
      acked,
    );
    await again.close();
  } finally {
    execFileSync('umount', [disk]);
    await rm(disk, { recursive: true, force: true });
  }
});

test('a huge workflow is stored by reference: journal lines stay small', async () => {
  const dir = await tempDir();
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  const big = { ...(gateWorkflow('big', dir, 1) as object), meta: { title: 'big', description: 'x'.repeat(4e6) } };
  const job = await queue.submit(big);
  await queue.close();
  const longest = Math.max(...(await lines(dir)).map((l) => l.length));
  assert.ok(longest < 64 * 1024, `longest journal line ${longest} bytes`);
  const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  assert.equal((again.get(job.id)?.workflow.meta as { description: string }).description.length, 4e6);
  await again.close();
  await rm(dir, { recursive: true, force: true });
});

test('a journal written with inline workflows is migrated on first start, losing nothing', async () => {
  const dir = await tempDir();
  const workflow = gateWorkflow('old', dir, 5) as Record<string, unknown>;
  const job = {
    id: 'old-1',
    title: 'old',
    status: 'queued',
    workflow,
    seeds: {},
    outDir: join(dir, 'outputs', 'old-1'),
    createdAt: 1,
    interruptions: 0,
  };
  const done = { ...job, id: 'old-0', status: 'finished', finishedAt: 2 };
  await writeFile(
    join(dir, JOURNAL_FILE),
    `${JSON.stringify({ op: 'submit', job: done })}\n${JSON.stringify({ op: 'submit', job })}\n`,
  );
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  assert.deepEqual(
    queue.list().map((j) => [j.id, j.status]),
    [
      ['old-0', 'finished'],
      ['old-1', 'queued'],
    ],
  );
  assert.deepEqual(queue.get('old-1')?.workflow, workflow);
  await queue.close();
  assert.ok(!(await lines(dir)).some((l) => l.includes('"workflow"')), 'workflows moved out of the journal');
  const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  assert.deepEqual(again.get('old-1')?.workflow, workflow);
  await again.close();
  await rm(dir, { recursive: true, force: true });
});

test('a journal that cannot be read is moved aside with a message and the queue starts', async () => {
  for (const damage of ['folder', 'garbage'] as const) {
    const dir = await tempDir();
    if (damage === 'folder') await mkdir(join(dir, JOURNAL_FILE));
    else await writeFile(join(dir, JOURNAL_FILE), Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x7b, 0x0a, 0x80, 0x0a]));
    const said: string[] = [];
    const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true, warn: (m) => said.push(m) });
    assert.ok(said.length > 0, `${damage}: says what happened`);
    const kept = (await readdir(dir)).filter((f) => /^jobs\.jsonl\.(unreadable|damaged)-/.test(f));
    assert.equal(kept.length, 1, `${damage}: the damaged journal is kept beside the new one`);
    const job = await queue.submit(gateWorkflow('new', dir, 1));
    await queue.close();
    const again = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
    assert.deepEqual(
      again.list().map((j) => j.id),
      [job.id],
    );
    await again.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a job that kills its process twice is failed with the reason, and the job behind it runs', async () => {
  const dir = await tempDir();
  const flags = join(dir, 'flags');
  await mkdir(flags);
  const boot = async (jobs: string[]) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', RESTART_CHILD, dir, flags, ...jobs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const signal = await new Promise((resolve) => proc.on('exit', (code, sig) => resolve(sig ?? code)));
    return { signal, out };
  };
  // First start: submits the crashing job and one behind it; the crash takes the process down.
  assert.equal((await boot(['crash', 'after'])).signal, 'SIGKILL');
  // Second start: the crashing job runs again (its first death) and takes the process down again.
  assert.equal((await boot([])).signal, 'SIGKILL');
  // Third start: two deaths; it is failed, and the job behind it runs to the end.
  const third = await boot([]);
  assert.equal(third.signal, 0, third.out);
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
  const [crash, after] = queue.list();
  assert.equal(crash.status, 'failed');
  assert.equal(crash.error?.code, 'crashed');
  assert.match(crash.error?.message ?? '', /died 2 times; it is not run again/);
  assert.equal(after.status, 'finished');
  await queue.close();
  await rm(dir, { recursive: true, force: true });
});

test('in a child runner a crashing job is retried, then failed, and the jobs behind it run', async () => {
  const dir = await tempDir();
  const runner = childRunner({ registryModule: TOY_MODULE, registryExport: 'toyRegistry' });
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), runner, warn: () => {} });
  try {
    const crash = await queue.submit(sinkWorkflow('crash', 'toy.crash'));
    const after = await queue.submit(gateWorkflow('after', dir, 21, false));
    await queue.idle();
    assert.equal(queue.get(crash.id)?.status, 'failed');
    assert.equal(queue.get(crash.id)?.interruptions, 2);
    assert.match(queue.get(crash.id)?.error?.message ?? '', /died 2 times \(last: .*SIGKILL/);
    assert.equal(queue.get(after.id)?.status, 'finished');
    assert.equal(await readFile(join(after.outDir, 'after.txt'), 'utf8'), '42');
  } finally {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('cancelling a node stuck in synchronous work ends the job cancelled; the next job runs', async () => {
  const dir = await tempDir();
  const runner = childRunner({ registryModule: TOY_MODULE, registryExport: 'toyRegistry', graceMs: 200 });
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), runner });
  try {
    const stuck = await queue.submit(sinkWorkflow('stuck', 'toy.spin', { name: 'stuck', flags: dir, ms: 600_000 }));
    const next = await queue.submit(gateWorkflow('next', dir, 4, false));
    await waitForFile(join(dir, 'stuck.started'));
    const pid = Number(await readFile(join(dir, 'stuck.started'), 'utf8'));
    assert.notEqual(pid, process.pid, 'the job ran in a child process');
    assert.equal(await queue.cancel(stuck.id), true);
    await queue.idle();
    const record = queue.get(stuck.id);
    assert.equal(record?.status, 'cancelled');
    assert.ok(record?.manifestPath && existsSync(record.manifestPath), 'a manifest says it was cancelled');
    assert.equal(JSON.parse(await readFile(record.manifestPath, 'utf8')).status, 'cancelled');
    // killed after the grace time; gone once the system has reaped it (a minute is a bound, not a speed)
    await until(async () => !(await isRunning(pid)), 'the stuck process to be gone', AbortSignal.timeout(60_000));
    assert.equal(queue.get(next.id)?.status, 'finished');
  } finally {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a prestarted runner starts its process before any job, and close ends it while it is still loading', async () => {
  const dir = await tempDir();
  const flag = join(dir, 'loading.pid');
  process.env.LF_SLOW_REGISTRY_FLAG = flag;
  try {
    const runner = childRunner({ registryModule: SLOW_MODULE, prestart: true });
    await waitForFile(flag);
    const pid = Number(await readFile(flag, 'utf8'));
    assert.notEqual(pid, process.pid);
    await runner.close?.();
    assert.throws(() => process.kill(pid, 0), 'the loading process is gone');
  } finally {
    delete process.env.LF_SLOW_REGISTRY_FLAG;
    await rm(dir, { recursive: true, force: true });
  }
});

test('temp files of a write in progress are never listed as outputs', async () => {
  const dir = await tempDir();
  const out = join(dir, 'outputs', 'job-1');
  await mkdir(join(out, 'layers', '.frames.tmp-Ab12'), { recursive: true });
  await writeFile(join(out, 'blend.mp4'), 'v');
  await writeFile(join(out, '.blend.4242-0a1b.tmp.mp4'), 'half');
  await writeFile(join(out, 'layers', '.fg.77-ffee.tmp.webm'), 'half');
  await writeFile(join(out, 'layers', '.frames.tmp-Ab12', 'frame_00001.png'), 'half');
  await writeFile(join(out, '.manifest.json.0a1b2c.tmp'), '{');
  const listed = (await listOutputFiles(join(dir, 'outputs'), 'job-1')).map((f) => f.path);
  assert.deepEqual(listed, ['blend.mp4']);
  const run = {
    jobId: 'job-1',
    title: 't',
    workflow: { schemaVersion: 2 as const, nodes: {} },
    seeds: {},
    outDir: out,
    startedAt: 0,
    finishedAt: 1,
    result: { status: 'finished' as const, outputs: {}, nodes: {}, facts: {} },
  };
  const manifest = await buildManifest(run, toyRegistry());
  assert.deepEqual(
    manifest.files.map((f) => f.path),
    ['blend.mp4'],
  );
  await rm(dir, { recursive: true, force: true });
});

test('a manifest that cannot be written fails the job with a clear error naming the file', async () => {
  const dir = await tempDir();
  const outDir = join(dir, 'out');
  // A folder where the manifest should go: the rename onto it fails, as a read-only or full disk would.
  await mkdir(join(outDir, 'manifest.json', 'x'), { recursive: true });
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), warn: () => {} });
  try {
    const job = await queue.submit(gateWorkflow('m', dir, 1, false), { outDir });
    await queue.idle();
    const record = queue.get(job.id);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.error?.code, 'manifest-write-failed');
    assert.match(record?.error?.message ?? '', /^could not write the run manifest .*manifest\.json: /);
    const leftovers = (await readdir(outDir)).filter((f) => f.includes('.tmp'));
    assert.deepEqual(leftovers, [], 'the manifest temp file is removed');
  } finally {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('runJob reports a manifest it cannot write as a clear error', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, 'manifest.json', 'x'), { recursive: true });
  const workflow = gateWorkflow('r', dir, 1, false) as Parameters<typeof runJob>[0]['workflow'];
  await assert.rejects(
    runJob({ id: 'r', title: 'r', workflow, seeds: {}, outDir: dir }, { registry: toyRegistry() }),
    /could not write the run manifest/,
  );
  await rm(dir, { recursive: true, force: true });
});
