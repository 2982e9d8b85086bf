// Child process for the crash-count test: opens the queue, submits the jobs named on its command line
// ("crash": a job that kills this process; "after": one that just finishes), and runs the queue dry.
import { JobQueue } from '../../graph-engine/queue.ts';
import { gateWorkflow, sinkWorkflow, toyRegistry } from './queue-toy-nodes.ts';

const [dir, flags, ...jobs] = process.argv.slice(2);
const queue = await JobQueue.open({ dir, registry: toyRegistry(), warn: () => {}, paused: true });
for (const name of jobs) {
  await queue.submit(name === 'crash' ? sinkWorkflow('crash', 'toy.crash') : gateWorkflow(name, flags, 1, false));
}
queue.start();
await queue.idle();
await queue.close();
process.stdout.write('drained\n');
