// `npm run soak -- [--jobs N] [--seed S]`: N jobs through the queue with random cancels and kill -9s of
// the process holding it (and jobs that crash it), then checks that every acknowledged job ended exactly
// once as finished, failed or cancelled. Not part of `npm test`: it takes minutes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { JobQueue } from '../../graph-engine/queue.ts';
import { toyRegistry } from '../graph-engine/queue-toy-nodes.ts';

const { values } = parseArgs({ options: { jobs: { type: 'string' }, seed: { type: 'string' } } });
const total = Number(values.jobs ?? 200);
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
let state = seed;
const random = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};

const CHILD = new URL('./soak-child.ts', import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), 'lf-soak-'));
const acked = new Map<string, number>(); // job id → submit number
const finals = new Map<string, string[]>(); // job id → final states reported
let kills = 0;
let crashes = 0;

interface Incarnation {
  proc: ChildProcess;
  send(line: string): void;
  /** Resolves with the next line matching `prefix`, or undefined if the process dies first. */
  next(prefix: string): Promise<string | undefined>;
  exited: Promise<void>;
}

function start(): Incarnation {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: { prefix: string; resolve: (l: string | undefined) => void }[] = [];
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      for (const w of waiting.splice(0)) w.resolve(undefined);
      resolve();
    }),
  );
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const [kind, id, status] = line.split(' ');
    if (kind === 'final') finals.set(id, [...(finals.get(id) ?? []), status]);
    const i = waiting.findIndex((w) => line.startsWith(w.prefix));
    if (i >= 0) waiting.splice(i, 1)[0].resolve(line);
  });
  return {
    proc,
    exited,
    send: (line) => proc.stdin?.write(`${line}\n`),
    next: (prefix) => new Promise((resolve) => waiting.push({ prefix, resolve })),
  };
}

let w = start();
const alive = () => w.proc.exitCode === null && w.proc.signalCode === null;
for (let n = 0; n < total; ) {
  if (!alive()) {
    crashes += 1;
    w = start();
  }
  const roll = random();
  if (roll < 0.6) {
    const kind = random() < 0.03 ? 'crash' : random() < 0.1 ? 'fail' : 'sleep';
    w.send(`submit ${n} ${kind} ${Math.floor(random() * 200)}`);
    const ack = await w.next(`ack ${n} `);
    if (ack) acked.set(ack.split(' ')[2], n);
    n += 1;
  } else if (roll < 0.75 && acked.size > 0) {
    const ids = [...acked.keys()];
    const id = ids[Math.floor(random() * ids.length)];
    w.send(`cancel ${id}`);
    await w.next(`cancel ${id} `);
  } else if (roll < 0.8) {
    w.proc.kill('SIGKILL');
    await w.exited;
    kills += 1;
    w = start();
  } else {
    await new Promise((r) => setTimeout(r, random() * 100));
  }
}
// Let the last incarnation run everything that is left; a queue that keeps dying here never drains.
const problems: string[] = [];
for (let attempt = 0; ; attempt++) {
  if (!alive()) w = start();
  w.send('drain');
  if (await w.next('drained')) break;
  crashes += 1;
  if (attempt === 20) {
    problems.push('the queue died 20 times while draining: a crashing job is run again and again');
    break;
  }
}
await w.exited;

const queue = await JobQueue.open({ dir, registry: toyRegistry(), paused: true, warn: () => {} });
const counts: Record<string, number> = {};
for (const [id, n] of acked) {
  const job = queue.get(id);
  if (!job) problems.push(`job ${n} (${id}) was acknowledged and then lost`);
  else if (!['finished', 'failed', 'cancelled'].includes(job.status))
    problems.push(`job ${n} (${id}) ended ${job.status}`);
  else counts[job.status] = (counts[job.status] ?? 0) + 1;
  const seen = finals.get(id) ?? [];
  if (seen.length > 1) problems.push(`job ${n} (${id}) ended ${seen.length} times: ${seen.join(', ')}`);
  if (job && seen.length === 1 && seen[0] !== job.status)
    problems.push(`job ${n} (${id}) ended ${seen[0]}, recorded ${job.status}`);
}
await queue.close();
await rm(dir, { recursive: true, force: true });
process.stdout.write(
  `soak: seed ${seed}, ${total} jobs submitted, ${acked.size} acknowledged, ${kills} kill -9s, ${crashes} crashes by jobs\n` +
    `ended: ${JSON.stringify(counts)}\n${problems.length === 0 ? 'every acknowledged job ended exactly once' : problems.join('\n')}\n`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
