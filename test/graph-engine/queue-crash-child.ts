// Child process for the persistence test: opens a queue, submits jobs, prints their ids, then waits to be killed.
import { JobQueue } from '../../graph-engine/queue.ts';
import { gateWorkflow, toyRegistry } from './queue-toy-nodes.ts';

const [dir, flags] = process.argv.slice(2);
const queue = await JobQueue.open({ dir, registry: toyRegistry() });
const ids: string[] = [];
for (const [i, name] of ['p0', 'p1', 'p2', 'p3'].entries()) {
  ids.push((await queue.submit(gateWorkflow(name, flags, i + 10, name !== 'p0'), { title: name })).id);
}
process.stdout.write(`${JSON.stringify({ ids })}\n`);
