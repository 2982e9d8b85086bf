// The farm end to end: a real redis-server (its own port and data folder, AOF fsync'd on every write),
// `layerflow worker` processes, and this process as the submitter. Tests run in order on one farm.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { appRouter } from '../../api/router.ts';
import { createStudio } from '../../api/studio.ts';
import { farmKeys } from '../../farm/keys.ts';
import { type PrivateRedis, startRedis } from '../../farm/redis-process.ts';
import { RemoteJobs } from '../../farm/remote-jobs.ts';
import { killWorker, startWorker, type WorkerProcess } from '../../farm/worker-process.ts';
import type { EngineEvent } from '../../graph-engine/events.ts';
import { createRegistry } from '../../nodes/index.ts';
import { manifestHash, packDir } from '../../nodes/layerflow/pack-source.ts';
import { loadPreset } from '../../presets/index.ts';
import { cli, PACK as TOY_PACK } from '../cli/cli-process.ts';
import { gateWorkflow, toyNodes, waitForFile } from '../graph-engine/queue-toy-nodes.ts';

let dir = '';
let out = '';
let flags = '';
let readRoot = '';
/** A runnable copy of demo-rgba under another content key (only worker c gets it), and a pack no worker has. */
let packF = '';
let packG = '';
let redis: PrivateRedis;
let farm: RemoteJobs;
const workers = new Map<string, WorkerProcess>();
const events: EngineEvent[] = [];
const watchers = new Set<() => void>();
const registry = createRegistry();
for (const spec of toyNodes) registry.register(spec as never);

/** The first event (already seen or still to come) that matches. */
function nextEvent<T extends EngineEvent>(match: (e: EngineEvent) => e is T): Promise<T>;
function nextEvent(match: (e: EngineEvent) => boolean): Promise<EngineEvent>;
function nextEvent(match: (e: EngineEvent) => boolean): Promise<EngineEvent> {
  return new Promise((resolve) => {
    const look = () => {
      const hit = events.find(match);
      if (!hit) return;
      watchers.delete(look);
      resolve(hit);
    };
    watchers.add(look);
    look();
  });
}

const count = (jobId: string, type: EngineEvent['type']) =>
  events.filter((e) => e.jobId === jobId && e.type === type).length;

const runningOn = (jobId: string) =>
  nextEvent((e) => e.jobId === jobId && e.type === 'log' && e.message.startsWith('running on ')).then(
    (e) => workers.get((e as { message: string }).message.slice('running on '.length)) as WorkerProcess,
  );

/** text-to-layers on `pack` up to the sampler: `steps` steps, conditional row only, no previews. */
async function demo(pack: string, steps: number, previewEvery = 0): Promise<unknown> {
  const wf = (await loadPreset('text-to-layers')) as { nodes: Record<string, { params: Record<string, unknown> }> };
  wf.nodes.pack.params.pack = pack;
  Object.assign(wf.nodes.sample.params, { steps, cfgScale: 0, previewEvery });
  return wf;
}

function workerArgs(...more: string[]): string[] {
  return [
    '--redis',
    redis.url,
    '--out',
    out,
    '--node-pack',
    TOY_PACK,
    '--lock-seconds',
    '5',
    '--stalled-seconds',
    '1',
    '--grace-seconds',
    '0',
    '--read-root',
    readRoot,
    ...more,
  ];
}

async function addWorker(id: string, ...more: string[]): Promise<WorkerProcess> {
  const w = await startWorker(id, workerArgs(...more));
  workers.set(id, w);
  allWorkers.push(w);
  return w;
}

async function manifestOf(jobId: string): Promise<Record<string, unknown> & { status: string }> {
  return JSON.parse(await readFile(join(out, jobId, 'manifest.json'), 'utf8'));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lf-farm-'));
  [out, flags, readRoot, packF, packG] = ['out', 'flags', 'inputs', 'pack-f', 'pack-g'].map((d) => join(dir, d));
  for (const d of [out, flags, readRoot, packG, join(dir, 'redis')]) await mkdir(d, { recursive: true });
  await manifestHash('demo-rgba'); // generates the demo pack on a fresh checkout
  const manifest = JSON.parse(await readFile(join(packDir('demo-rgba'), 'manifest.json'), 'utf8'));
  await cp(packDir('demo-rgba'), packF, { recursive: true });
  await writeFile(join(packF, 'manifest.json'), JSON.stringify(manifest, null, 1));
  await writeFile(join(packG, 'manifest.json'), JSON.stringify(manifest, null, 3));
  redis = await startRedis(join(dir, 'redis'));
  farm = await RemoteJobs.connect({ url: redis.url, registry, shared: out, backoffMs: 100 });
  farm.subscribe((e) => {
    events.push(e);
    for (const look of [...watchers]) look();
  });
  await Promise.all([
    addWorker('p0', '--packs', ''),
    addWorker('a', '--packs', 'demo-rgba'),
    addWorker('b', '--packs', 'demo-rgba'),
  ]);
});

const allWorkers: WorkerProcess[] = [];

after(async () => {
  // FARM_TEST_LOGS=1 shows what each worker logged, for a failure that only happens on a loaded machine.
  if (process.env.FARM_TEST_LOGS) for (const w of allWorkers) process.stderr.write(`--- worker ${w.id}\n${w.log()}\n`);
  for (const w of workers.values()) await killWorker(w);
  await farm?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('a job needing a pack only a later worker has waits for it, through a Redis crash', async () => {
  const waiting = [];
  for (const title of ['f1', 'f2']) waiting.push(await farm.submit(await demo(packF, 1), { targets: ['pack'], title }));
  await redis.kill(); // SIGKILL: only what the AOF has survives
  await redis.restart();
  // A job every worker can take, submitted after those: once it is done, the workers have been fetching.
  const probe = await farm.submit(gateWorkflow('after-restart', flags, 1, false), { title: 'probe' });
  assert.equal((await farm.settled(probe.id)).status, 'finished');
  for (const job of waiting) assert.equal((await farm.get(job.id))?.status, 'queued', `${job.title} stays queued`);
  // Worker c holds the same pack content in a folder of its own; the path the jobs named is gone.
  const own = join(dir, 'pack-f-on-c');
  await rename(packF, own);
  await addWorker('c', '--packs', own);
  for (const job of waiting) {
    const final = await farm.settled(job.id);
    assert.equal(final.status, 'finished', JSON.stringify(final.error));
    assert.equal(final.runner?.worker, 'c');
    assert.equal(final.attempts, 1, 'no other worker ever started it');
  }
});

test('`layerflow workers` shows what each live worker advertises: packs by content, device, free memory', async () => {
  const r = await cli(['workers', '--redis', redis.url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { workers: live, queues } = JSON.parse(r.stdout) as {
    workers: {
      id: string;
      packs: { name: string; sha256: string }[];
      device: { provider: string };
      memory: { freeBytes: number };
    }[];
    queues: { packs: string[]; counts: Record<string, number> }[];
  };
  const byId = new Map(live.map((w) => [w.id, w]));
  assert.deepEqual([...byId.keys()].sort(), ['a', 'b', 'c', 'p0']);
  const demoHash = await manifestHash('demo-rgba');
  assert.deepEqual(
    byId.get('a')?.packs.map((p) => [p.name, p.sha256]),
    [['demo-rgba', demoHash]],
  );
  assert.deepEqual(byId.get('p0')?.packs, []);
  assert.notEqual(byId.get('c')?.packs[0].sha256, demoHash, 'c holds the copy under its own content key');
  for (const w of live) {
    assert.match(w.device.provider, /^[a-z]+$/, 'its execution provider');
    assert.ok(w.memory.freeBytes > 0);
  }
  assert.ok(
    queues.some((q) => q.packs.length === 0),
    'the queue of jobs that need no pack is listed',
  );
});

test('50 demo-pack jobs on two workers all finish, each run to completion exactly once', async () => {
  const ids: string[] = [];
  // Up to the text encoder: the pack opened and checked, prompts encoded; the sampler is tested below.
  for (let i = 0; i < 50; i++) {
    ids.push((await farm.submit(await demo('demo-rgba', 1), { targets: ['text'], title: `bulk ${i}` })).id);
  }
  const finals = await Promise.all(ids.map((id) => farm.settled(id)));
  const ranOn = new Set<string>();
  for (const job of finals) {
    assert.equal(job.status, 'finished', `${job.id}: ${JSON.stringify(job.error)}`);
    assert.equal(job.attempts, 1, `${job.id} started once`);
    assert.equal(count(job.id, 'job-started'), 1);
    assert.equal(count(job.id, 'job-finished'), 1);
    const manifest = await manifestOf(job.id);
    assert.equal(manifest.status, 'finished');
    assert.deepEqual(manifest.runner, job.runner);
    ranOn.add(job.runner?.worker as string);
  }
  assert.deepEqual([...ranOn].sort(), ['a', 'b'], 'both demo-pack workers took jobs, no other did');
  assert.deepEqual(
    (await readdir(out)).filter((f) => f.includes('.attempt-')),
    [],
    'no attempt folders left behind',
  );
});

test('cancel reaches the worker running the job and stops its sampler; a queued job is cancelled at once', async () => {
  const job = await farm.submit(await demo('demo-rgba', 50), { targets: ['sample'], title: 'long' });
  await nextEvent((e) => e.jobId === job.id && e.type === 'node-progress' && e.nodeId === 'sample');
  assert.equal(await farm.cancel(job.id), true);
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'cancelled');
  assert.equal(final.attempts, 1, 'a cancelled job is not retried');
  // The worker says it has the cancel before stopping, on the connection its progress goes out on: what
  // follows is the sampler step that was in flight, and no more.
  const mine = events.filter((e) => e.jobId === job.id);
  const received = mine.findIndex((e) => e.type === 'log' && e.message.startsWith('cancel received by '));
  assert.ok(received >= 0, 'the worker running it got the cancel');
  const isStep = (e: EngineEvent) => e.type === 'node-progress' && e.nodeId === 'sample';
  const after = mine.slice(received).filter(isStep).length;
  assert.ok(after <= 1, `${after} sampler steps after the cancel reached the worker`);
  assert.ok(mine.filter(isStep).length < 50, 'stopped early');
  assert.equal((await manifestOf(job.id)).status, 'cancelled');
  assert.equal(await farm.cancel(job.id), false, 'already over');

  const queued = await farm.submit(await demo(packG, 1), { targets: ['sample'], title: 'nobody has its pack' });
  assert.equal(queued.status, 'queued');
  assert.equal(await farm.cancel(queued.id), true);
  await nextEvent((e) => e.jobId === queued.id && e.type === 'job-cancelled');
  assert.equal((await farm.get(queued.id))?.status, 'cancelled');
});

test('a sweep on the farm fans out one job per combination and writes an index with a contact sheet', async () => {
  const index = join(dir, 'sweep');
  const prompts = join(dir, 'prompts.txt');
  await writeFile(prompts, 'red circle moving right\n\nblue triangle moving right\n');
  const r = await cli([
    'run',
    'text-to-layers',
    '--redis',
    redis.url,
    '--shared',
    out,
    '--out',
    index,
    '--sweep',
    'sample.seed=1..2',
    '--sweep',
    `prompts.foreground=@${prompts}`,
    '--set',
    'sample.steps=1',
    '--set',
    'sample.cfgScale=0',
    '--target',
    'blend',
    '--job-id',
    'sweep-a',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(await readFile(join(index, 'index.json'), 'utf8')) as {
    runs: { jobId: string; status: string; settings: Record<string, unknown>; shown?: string }[];
    contactSheet: string;
  };
  assert.deepEqual(
    listed.runs.map((run) => [run.jobId, run.status, run.settings['sample.seed'], run.settings['prompts.foreground']]),
    [
      ['sweep-a-1', 'finished', 1, 'red circle moving right'],
      ['sweep-a-2', 'finished', 1, 'blue triangle moving right'],
      ['sweep-a-3', 'finished', 2, 'red circle moving right'],
      ['sweep-a-4', 'finished', 2, 'blue triangle moving right'],
    ],
  );
  assert.ok(listed.runs.every((run) => run.shown === 'blend.mp4'));
  const png = await readFile(join(index, listed.contactSheet));
  // 4 rows of 64-pixel cells with 6-pixel gaps: the PNG header's height says every run got its row.
  assert.equal(png.readUInt32BE(20), 6 + 4 * (64 + 6));
  for (const run of listed.runs) assert.equal((await manifestOf(run.jobId)).status, 'finished');
});

test('the editor API shows a farm job like a local one: per-node progress, previews, history, outputs', async () => {
  const services = await createStudio({ dataDir: join(dir, 'studio'), registry, jobs: farm, outputsDir: out });
  const ac = new AbortController();
  const caller = appRouter.createCaller({ services }, { signal: ac.signal });
  const stream = await caller.events();
  const seen: EngineEvent[] = [];
  let jobId = '';
  const reading = (async () => {
    for await (const e of stream) {
      seen.push(e);
      if (e.jobId === jobId && e.type === 'job-finished') ac.abort();
    }
  })();
  const wf = (await demo('demo-rgba', 3, 1)) as never;
  jobId = (await caller.jobs.submit({ workflow: wf, targets: ['sample'], title: 'from the editor' })).jobId;
  await reading;
  const mine = seen.filter((e) => e.jobId === jobId);
  assert.deepEqual(
    mine
      .filter((e) => e.type === 'node-progress' && e.nodeId === 'sample')
      .map((e) => (e as { fraction: number }).fraction),
    [1 / 3, 2 / 3, 1],
  );
  assert.equal(mine.filter((e) => e.type === 'node-preview' && e.nodeId === 'sample').length, 3);
  const listed = (await caller.jobs.list()).find((j) => j.id === jobId);
  assert.equal(listed?.status, 'finished');
  assert.ok(['a', 'b'].includes(listed?.runner?.worker as string), JSON.stringify(listed));
  // Up to the sampler, the run saved no file: once settled, the farm's record says so, as a local job's does.
  assert.equal((await farm.settled(jobId)).savedFiles, 0);
  const files = await caller.outputs.list({ jobId });
  assert.deepEqual(
    files.map((f) => f.path),
    ['manifest.json'],
  );
});

test('a job that fails on every run ends failed with the node’s error after its attempts', async () => {
  const wf = {
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.number', typeVersion: 1, params: {}, inputs: {} },
      f: { type: 'toy.fail', typeVersion: 1, params: {}, inputs: { value: { node: 'n', output: 'value' } } },
    },
  };
  const job = await farm.submit(wf, { attempts: 3, title: 'always fails' });
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'failed');
  assert.equal(final.error?.nodeId, 'f');
  assert.match(final.error?.message ?? '', /toy failure/);
  assert.equal(final.attempts, 3);
  assert.equal(count(job.id, 'job-started'), 3);
});

test('submitting the same job id again is the same job, run once', async () => {
  const wf = gateWorkflow('dup', flags, 3, false);
  const [first, second] = await Promise.all([
    farm.submit(wf, { jobId: 'dup-1', title: 'dup' }),
    farm.submit(wf, { jobId: 'dup-1', title: 'dup' }),
  ]);
  assert.equal(first.id, 'dup-1');
  assert.equal(second.id, 'dup-1');
  assert.equal((await farm.settled('dup-1')).status, 'finished');
  const third = await farm.submit(wf, { jobId: 'dup-1', title: 'dup' });
  assert.equal(third.status, 'finished', 'a finished job is not queued again');
  assert.equal(count('dup-1', 'job-started'), 1);
  assert.equal((await readFile(join(flags, 'order.log'), 'utf8')).match(/^dup$/gm)?.length, 1);
});

test('workers check every job themselves: files outside their read roots, packs not named by content, junk', async () => {
  await writeFile(join(readRoot, 'note.txt'), 'x');
  await symlink('/etc/hostname', join(readRoot, 'escape.mp4'));
  const loadVideo = (path: string) => ({
    schemaVersion: 2,
    nodes: { v: { type: 'media.load-video', typeVersion: 1, params: { path }, inputs: {} } },
  });
  for (const path of ['/etc/hostname', join(readRoot, 'escape.mp4')]) {
    const job = await farm.submit(loadVideo(path), { attempts: 3 });
    const final = await farm.settled(job.id);
    assert.equal(final.status, 'failed');
    assert.deepEqual([final.error?.code, final.error?.nodeId], ['outside-read-roots', 'v']);
    assert.equal(final.attempts, 1, 'a refused job is not retried');
  }
  // Straight into the queue, past the submitter's checks.
  const keys = farmKeys();
  const raw = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('no-packs', { connection: raw, prefix: keys.bull });
  const evil = {
    v: 1,
    title: 'evil',
    workflow: {
      schemaVersion: 2,
      nodes: { p: { type: 'layerflow.load-pack', typeVersion: 1, params: { pack: '/etc' }, inputs: {} } },
    },
    seeds: {},
    packs: [],
    submittedAt: 0,
    submitter: 'test',
  };
  try {
    for (const [id, data] of [
      ['evil-1', evil],
      ['junk-1', { hello: 'world' }],
    ] as const) {
      await raw.hset(keys.jobs, id, 'no-packs');
      await queue.add(id, data, { jobId: id, attempts: 3 });
      await raw.publish(keys.wake, 'no-packs');
    }
    const evilEnd = await farm.settled('evil-1');
    assert.deepEqual([evilEnd.status, evilEnd.error?.code, evilEnd.error?.nodeId], ['failed', 'pack-not-here', 'p']);
    const junkEnd = await farm.settled('junk-1');
    assert.deepEqual([junkEnd.status, junkEnd.error?.code, junkEnd.attempts], ['failed', 'bad-job', 1]);
  } finally {
    await queue.close();
    await raw.quit();
  }
});

test('a step that blocks the worker’s main thread longer than the lock keeps its job (locks renew from a thread)', async () => {
  // The workers' locks last 5 s and their stalled checks run every second: a step of 8 s without one
  // renewal from the main thread would have its job taken by another worker.
  const wf = {
    schemaVersion: 2,
    nodes: {
      n: { type: 'toy.number', typeVersion: 1, params: { value: 3 }, inputs: {} },
      b: {
        type: 'toy.block',
        typeVersion: 1,
        params: { ms: 8000, name: 'blocked' },
        inputs: { value: { node: 'n', output: 'value' } },
      },
    },
  };
  const job = await farm.submit(wf, { title: 'one long step' });
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'finished', JSON.stringify(final.error));
  assert.deepEqual([final.attempts, final.interruptions], [1, 0], 'no other worker took it over');
  assert.equal(count(job.id, 'job-started'), 1);
  assert.equal(await readFile(join(out, job.id, 'blocked.txt'), 'utf8'), '6');
});

// The timeout turns the bug it guards (the job requeued forever) into a failure instead of a hang.
test('a job whose step always outlasts --max-step-seconds ends failed after --max-stalled, not retried forever', {
  timeout: 300_000,
}, async () => {
  // A farm of its own (another key prefix) with one worker that gives a step 1 s before letting locks lapse.
  const hung = await RemoteJobs.connect({ url: redis.url, prefix: 'hung', registry, shared: out });
  const e = await startWorker('e', [
    ...workerArgs('--prefix', 'hung', '--packs', ''),
    ...['--lock-seconds', '2', '--max-step-seconds', '1', '--max-stalled', '1'],
  ]);
  try {
    const wf = {
      schemaVersion: 2,
      nodes: {
        n: { type: 'toy.number', typeVersion: 1, params: { value: 1 }, inputs: {} },
        b: {
          type: 'toy.block',
          typeVersion: 1,
          params: { ms: 4000, name: 'hung' },
          inputs: { value: { node: 'n', output: 'value' } },
        },
      },
    };
    const job = await hung.submit(wf, { attempts: 3, title: 'never finishes a step in time' });
    const final = await hung.settled(job.id);
    assert.equal(final.status, 'failed');
    assert.equal(final.error?.code, 'stalled');
    assert.match(final.error?.message ?? '', /stopped renewing its lock 2 times/);
    assert.equal(final.interruptions, 2);
  } finally {
    await killWorker(e);
    await hung.close();
  }
});

test('a worker killed with SIGKILL mid-job: its job is picked up by another worker and finishes', async () => {
  const job = await farm.submit(gateWorkflow('killed', flags, 7, true), { title: 'kill its worker' });
  const victim = await runningOn(job.id);
  await waitForFile(join(flags, 'killed.started'));
  victim.proc.kill('SIGKILL');
  await victim.exited;
  workers.delete(victim.id);
  await writeFile(join(flags, 'killed.go'), '');
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'finished');
  assert.notEqual(final.runner?.worker, victim.id);
  assert.equal(final.interruptions, 1, 'BullMQ found it stalled once');
  assert.equal(await readFile(join(out, job.id, 'killed.txt'), 'utf8'), '14');
});

test('SIGTERM with a grace period lets the running job finish on that worker, then it exits', async () => {
  // demo-rgba under a content key only worker d holds, so the job can only run there.
  const own = join(dir, 'pack-d');
  await cp(packDir('demo-rgba'), own, { recursive: true });
  const manifest = JSON.parse(await readFile(join(own, 'manifest.json'), 'utf8'));
  await writeFile(join(own, 'manifest.json'), JSON.stringify(manifest, null, 4));
  const d = await addWorker('d', '--packs', own, '--grace-seconds', '600');
  const wf = gateWorkflow('drained', flags, 4, true) as { nodes: Record<string, unknown> };
  wf.nodes.p = { type: 'layerflow.load-pack', typeVersion: 1, params: { pack: own }, inputs: {} };
  const job = await farm.submit(wf, { title: 'drained', targets: ['g', 'p'] });
  await waitForFile(join(flags, 'drained.started'));
  d.proc.kill('SIGTERM');
  await nextEvent((e) => e.jobId === job.id && e.type === 'log' && e.message.includes('is shutting down: finishing'));
  await writeFile(join(flags, 'drained.go'), '');
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'finished');
  assert.equal(final.runner?.worker, 'd');
  assert.deepEqual([final.attempts, final.interruptions], [1, 0]);
  assert.equal(await d.exited, 0);
  workers.delete(d.id);
  assert.equal(await readFile(join(out, job.id, 'drained.txt'), 'utf8'), '8');
});

test('SIGTERM returns a running job to the queue at once and the worker exits cleanly', async () => {
  const job = await farm.submit(gateWorkflow('returned', flags, 2, true), { title: 'returned' });
  const stopped = await runningOn(job.id);
  await waitForFile(join(flags, 'returned.started'));
  stopped.proc.kill('SIGTERM');
  assert.equal(await stopped.exited, 0);
  workers.delete(stopped.id);
  await nextEvent((e) => e.jobId === job.id && e.type === 'log' && e.message.includes('returned to the queue'));
  await writeFile(join(flags, 'returned.go'), '');
  const final = await farm.settled(job.id);
  assert.equal(final.status, 'finished');
  assert.notEqual(final.runner?.worker, stopped.id);
  assert.equal(final.interruptions, 0, 'handed back, not found stalled');
});
