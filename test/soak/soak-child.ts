// One incarnation of the studio's queue for `npm run soak`: takes commands on stdin, reports on stdout.
//   submit <n> <kind> <ms>  → "ack <n> <id>" once the job is durable
//   cancel <id>             → "cancel <id> <true|false>"
//   drain                   → "drained" once nothing is queued or running, then exits
// and "final <id> <status>" once a job's final state is on record.
import { createInterface } from 'node:readline';
import { JobQueue } from '../../graph-engine/queue.ts';
import { sinkWorkflow, toyRegistry } from '../graph-engine/queue-toy-nodes.ts';

const FINAL = new Set(['finished', 'failed', 'cancelled']);
const [dir] = process.argv.slice(2);
const queue = await JobQueue.open({ dir, registry: toyRegistry(), warn: () => {} });
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Reports a job's final state once the queue has recorded it (the engine's event comes just before). */
function reportWhenRecorded(id: string): void {
  const job = queue.get(id);
  if (job && FINAL.has(job.status)) say(`final ${id} ${job.status}`);
  else setTimeout(() => reportWhenRecorded(id), 5);
}
queue.subscribe((e) => {
  if (e.type === 'job-finished' || e.type === 'job-failed' || e.type === 'job-cancelled') reportWhenRecorded(e.jobId);
});

const SINK: Record<string, string> = { sleep: 'toy.sleep', fail: 'toy.fail', crash: 'toy.crash' };

for await (const line of createInterface({ input: process.stdin })) {
  const [op, a, b, c] = line.split(' ');
  if (op === 'submit') {
    const job = await queue.submit(sinkWorkflow(`job ${a}`, SINK[b], b === 'sleep' ? { ms: Number(c) } : {}));
    say(`ack ${a} ${job.id}`);
  } else if (op === 'cancel') say(`cancel ${a} ${await queue.cancel(a)}`);
  else if (op === 'drain') {
    await queue.idle();
    await queue.close();
    say('drained');
    process.exit(0);
  }
}
