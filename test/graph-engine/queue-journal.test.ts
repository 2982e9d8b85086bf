import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { type JobRecord, recoverJob, replayJobs } from '../../graph-engine/job.ts';
import { Journal } from '../../graph-engine/journal.ts';

const Entry = z.object({ n: z.number(), text: z.string() });

/** Deterministic "random" records: odd lengths, unicode, quotes and newlines inside strings. */
function records(count: number, seed: number): z.infer<typeof Entry>[] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s;
  };
  return Array.from({ length: count }, (_, i) => ({ n: i, text: `r${next() % 997}"é\n${'x'.repeat(next() % 13)}` }));
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lf-journal-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('appended records read back in order after reopening', () =>
  withDir(async (dir) => {
    const want = records(7, 11);
    const first = await Journal.open(dir, 'j.jsonl', Entry);
    for (const r of want) await first.journal.append(r);
    await first.journal.close();
    const again = await Journal.open(dir, 'j.jsonl', Entry);
    assert.deepEqual(again.records, want);
    assert.deepEqual(again.warnings, []);
    await again.journal.close();
  }));

test('a torn last line is skipped with a warning and later appends are not glued to it', () =>
  withDir(async (dir) => {
    const want = records(5, 3);
    const first = await Journal.open(dir, 'j.jsonl', Entry);
    for (const r of want) await first.journal.append(r);
    await first.journal.close();
    await appendFile(join(dir, 'j.jsonl'), '{"n":5,"text":"cut off mi');

    const second = await Journal.open(dir, 'j.jsonl', Entry);
    assert.deepEqual(second.records, want);
    assert.deepEqual(
      second.warnings.map((w) => [w.code, w.line]),
      [['torn-line', 6]],
    );
    assert.match(second.warnings[0].message, /j\.jsonl:6/);
    const extra = { n: 99, text: 'after the tear' };
    await second.journal.append(extra);
    await second.journal.close();

    const third = await Journal.open(dir, 'j.jsonl', Entry);
    assert.deepEqual(third.records, [...want, extra]);
    assert.deepEqual(third.warnings, []);
    await third.journal.close();
  }));

test('a corrupt or foreign line in the middle is skipped, the rest kept', () =>
  withDir(async (dir) => {
    const [a, b] = records(2, 5);
    await appendFile(
      join(dir, 'j.jsonl'),
      `${JSON.stringify(a)}\nnot json\n{"n":"wrong type"}\n${JSON.stringify(b)}\n`,
    );
    const opened = await Journal.open(dir, 'j.jsonl', Entry);
    assert.deepEqual(opened.records, [a, b]);
    assert.deepEqual(
      opened.warnings.map((w) => w.code),
      ['bad-json', 'bad-record'],
    );
    await opened.journal.close();
    // The rewrite on open leaves only good lines.
    assert.equal(await readFile(join(dir, 'j.jsonl'), 'utf8'), `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
  }));

test('rewrite replaces the journal atomically with exactly the given records', () =>
  withDir(async (dir) => {
    const opened = await Journal.open(dir, 'j.jsonl', Entry);
    for (const r of records(9, 8)) await opened.journal.append(r);
    const kept = records(3, 21);
    await opened.journal.rewrite(kept);
    await opened.journal.append({ n: 3, text: 'next' });
    await opened.journal.close();
    const again = await Journal.open(dir, 'j.jsonl', Entry);
    assert.deepEqual(again.records, [...kept, { n: 3, text: 'next' }]);
    await again.journal.close();
  }));

function job(id: string, status: JobRecord['status']): JobRecord {
  return {
    id,
    title: id,
    status,
    workflow: { schemaVersion: 2, nodes: {} },
    seeds: {},
    outDir: `/tmp/${id}`,
    createdAt: 1,
    interruptions: 0,
  };
}

test('replay folds updates into jobs in submission order; a running job comes back queued and interrupted', () => {
  const jobs = replayJobs([
    { op: 'submit', job: job('a', 'queued') },
    { op: 'submit', job: job('b', 'queued') },
    { op: 'update', id: 'a', patch: { status: 'running', startedAt: 5 } },
    { op: 'update', id: 'a', patch: { status: 'finished', finishedAt: 9, manifestPath: '/tmp/a/manifest.json' } },
    { op: 'update', id: 'b', patch: { status: 'running', startedAt: 10 } },
    { op: 'update', id: 'ghost', patch: { status: 'failed' } },
  ]);
  assert.deepEqual([...jobs.keys()], ['a', 'b']);
  assert.equal(jobs.get('a')?.manifestPath, '/tmp/a/manifest.json');
  assert.deepEqual(recoverJob(jobs.get('a') as JobRecord), jobs.get('a'));
  const b = recoverJob(jobs.get('b') as JobRecord);
  assert.equal(b.status, 'queued');
  assert.equal(b.interruptions, 1);
  assert.equal(b.startedAt, undefined);
});
