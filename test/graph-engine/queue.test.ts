import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { outcomeLabel, savedNothing } from '../../api/run-outcome.ts';
import { ValueCache } from '../../graph-engine/cache.ts';
import type { EngineEvent } from '../../graph-engine/events.ts';
import { JOURNAL_FILE, JobQueue, JobRejectedError } from '../../graph-engine/queue.ts';
import { gateWorkflow, toyRegistry, waitForFile } from './queue-toy-nodes.ts';

async function withQueue(run: (queue: JobQueue, dir: string) => Promise<void>, paused = false): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-queue-'));
  const queue = await JobQueue.open({ dir, registry: toyRegistry(), cache: new ValueCache(), paused });
  try {
    await run(queue, dir);
  } finally {
    // A failed assertion may leave a job waiting at its gate; close() would wait for it forever.
    for (const job of queue.list()) await queue.cancel(job.id);
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const release = (dir: string, name: string) => writeFile(join(dir, `${name}.go`), '');
const order = async (dir: string) => (await readFile(join(dir, 'order.log'), 'utf8')).trim().split('\n');

test('jobs run one at a time in submission order and keep their outputs and manifests', () =>
  withQueue(async (queue, dir) => {
    const values = [7, -3, 12, 5, 0.5];
    const names = values.map((_, i) => `job${i}`);
    const jobs = [];
    for (const [i, name] of names.entries()) jobs.push(await queue.submit(gateWorkflow(name, dir, values[i], i === 0)));
    await waitForFile(join(dir, 'job0.started'));
    // job0 waits at its gate: nothing else may start meanwhile.
    assert.deepEqual(
      queue.list().map((j) => j.status),
      ['running', 'queued', 'queued', 'queued', 'queued'],
    );
    await release(dir, 'job0');
    await queue.idle();
    assert.deepEqual(await order(dir), names);
    for (const [i, job] of jobs.entries()) {
      const done = queue.get(job.id);
      assert.equal(done?.status, 'finished');
      assert.equal(await readFile(join(job.outDir, `${names[i]}.txt`), 'utf8'), String(values[i] * 2));
      assert.ok(done?.manifestPath && existsSync(done.manifestPath));
      assert.ok((done?.startedAt ?? 0) <= (done?.finishedAt ?? -1));
      assert.ok(done?.nodes?.g, 'per-node timing recorded');
    }
  }));

test('a finished job records how many files it saved, so a run that saved nothing can say so', () =>
  withQueue(async (queue, dir) => {
    const saving = await queue.submit(gateWorkflow('saves', dir, 3, false));
    // Up to the number node only: the run finishes, but no sink writes a file.
    const nothing = await queue.submit(gateWorkflow('skipped', dir, 4, false), { targets: ['n'] });
    await queue.idle();
    assert.equal(queue.get(saving.id)?.status, 'finished');
    assert.equal(queue.get(saving.id)?.savedFiles, 1);
    assert.equal(savedNothing('finished', queue.get(saving.id)?.savedFiles), false);
    assert.equal(queue.get(nothing.id)?.status, 'finished');
    assert.equal(queue.get(nothing.id)?.savedFiles, 0);
    assert.equal(outcomeLabel('finished', queue.get(nothing.id)?.savedFiles), 'finished · nothing saved');
  }));

test('cancelling one job touches no other: a queued one never starts, the running one stops', () =>
  withQueue(async (queue, dir) => {
    const a = await queue.submit(gateWorkflow('a', dir, 1));
    const b = await queue.submit(gateWorkflow('b', dir, 2));
    const c = await queue.submit(gateWorkflow('c', dir, 3, false));
    const d = await queue.submit(gateWorkflow('d', dir, 4));
    await waitForFile(join(dir, 'a.started'));
    assert.equal(await queue.cancel(b.id), true);
    assert.equal(queue.get(b.id)?.status, 'cancelled');
    assert.equal(await queue.cancel(a.id), true);
    await waitForFile(join(dir, 'd.started'));
    assert.equal(queue.get(a.id)?.status, 'cancelled');
    assert.equal(queue.get(c.id)?.status, 'finished');
    assert.equal(queue.get(d.id)?.status, 'running');
    await release(dir, 'd');
    await queue.idle();
    assert.deepEqual(await order(dir), ['a', 'c', 'd']);
    assert.equal(queue.get(d.id)?.status, 'finished');
    assert.equal(await readFile(join(d.outDir, 'd.txt'), 'utf8'), '8');
    assert.equal(await queue.cancel(d.id), false, 'a finished job cannot be cancelled');
    assert.equal(await queue.cancel('no-such-job'), false);
    const manifest = JSON.parse(await readFile(queue.get(a.id)?.manifestPath ?? '', 'utf8'));
    assert.equal(manifest.status, 'cancelled');
  }));

test('history filters by status and time, newest first, with a limit', () =>
  withQueue(async (queue, dir) => {
    const ids: string[] = [];
    for (const name of ['h0', 'h1', 'h2', 'h3']) ids.push((await queue.submit(gateWorkflow(name, dir, 1, false))).id);
    const cancelled = await queue.submit(gateWorkflow('h4', dir, 1));
    await queue.cancel(cancelled.id);
    queue.start();
    await queue.idle();
    assert.deepEqual(
      queue.history({ status: 'finished' }).map((j) => j.id),
      [...ids].reverse(),
    );
    assert.deepEqual(
      queue.history({ status: ['finished', 'cancelled'], limit: 2 }).map((j) => j.id),
      [cancelled.id, ids[3]],
    );
    assert.deepEqual(
      queue.history({ status: 'cancelled' }).map((j) => j.id),
      [cancelled.id],
    );
    const since = queue.get(ids[2])?.createdAt ?? 0;
    assert.ok(queue.history({ since }).every((j) => j.createdAt >= since));
    assert.ok(queue.history({ since }).some((j) => j.id === ids[2]));
    assert.deepEqual(queue.history({ status: 'failed' }), []);
  }, true));

test('subscribers get the engine events of every job, tagged with its id', () =>
  withQueue(async (queue, dir) => {
    const events: EngineEvent[] = [];
    const stop = queue.subscribe((e) => events.push(e));
    const one = await queue.submit(gateWorkflow('e1', dir, 1, false));
    const two = await queue.submit(gateWorkflow('e2', dir, 2, false));
    await queue.idle();
    stop();
    const typesOf = (id: string) => events.filter((e) => e.jobId === id && e.type !== 'job-queued').map((e) => e.type);
    for (const job of [one, two]) {
      assert.ok(events.some((e) => e.jobId === job.id && e.type === 'job-queued'));
      const types = typesOf(job.id);
      assert.equal(types[0], 'job-started');
      assert.equal(types.at(-1), 'job-finished');
      assert.ok(types.includes('node-started') && types.includes('node-finished'));
    }
    // Jobs run one after another, so their run events do not interleave.
    const running = events.filter((e) => e.type !== 'job-queued').map((e) => e.jobId);
    assert.ok(running.lastIndexOf(one.id) < running.indexOf(two.id));
    const count = events.length;
    await queue.submit(gateWorkflow('e3', dir, 3, false));
    await queue.idle();
    assert.equal(events.length, count, 'no events after unsubscribing');
  }));

test('cancelling a queued job tells subscribers, since the engine never sees it', () =>
  withQueue(async (queue, dir) => {
    const events: EngineEvent[] = [];
    queue.subscribe((e) => events.push(e));
    const job = await queue.submit(gateWorkflow('q', dir, 1));
    await queue.cancel(job.id);
    assert.deepEqual(
      events.map((e) => [e.type, e.jobId]),
      [
        ['job-queued', job.id],
        ['job-cancelled', job.id],
      ],
    );
  }, true));

test('an invalid workflow is rejected at submit with node-addressed issues and never queued', () =>
  withQueue(async (queue) => {
    const bad = { schemaVersion: 2, nodes: { x: { type: 'toy.nope', typeVersion: 1, params: {}, inputs: {} } } };
    await assert.rejects(queue.submit(bad), (err: unknown) => {
      assert.ok(err instanceof JobRejectedError);
      assert.ok(err.issues.some((i) => i.nodeId === 'x'));
      return true;
    });
    assert.deepEqual(queue.list(), []);
  }));

test('a queue whose journal ends in a torn line opens with a warning and keeps every whole record', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lf-queue-'));
  try {
    const first = await JobQueue.open({ dir, registry: toyRegistry(), paused: true });
    const kept = [await first.submit(gateWorkflow('t0', dir, 1)), await first.submit(gateWorkflow('t1', dir, 2))];
    await first.close();
    await appendFile(join(dir, JOURNAL_FILE), '{"op":"submit","job":{"id":"half');
    const warned: string[] = [];
    const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true, warn: (m) => warned.push(m) });
    assert.deepEqual(
      queue.list().map((j) => [j.id, j.status]),
      kept.map((j) => [j.id, 'queued']),
    );
    assert.deepEqual(
      queue.warnings.map((w) => w.code),
      ['torn-line'],
    );
    assert.equal(warned.length, 1);
    assert.match(warned[0], /jobs\.jsonl:3/);
    await queue.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
