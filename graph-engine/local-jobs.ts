import type { JobBackend } from './job-backend.ts';
import type { JobQueue } from './queue.ts';

/**
 * The local persistent queue as a JobBackend. Only the queue's public methods are used, so the queue's
 * storage can change underneath. Closing cancels the running job and keeps queued ones for next time.
 */
export function localJobs(queue: JobQueue): JobBackend {
  return {
    submit: (workflow, opts) => queue.submit(workflow, opts),
    cancel: (id) => queue.cancel(id),
    list: async () => queue.list(),
    get: async (id) => queue.get(id),
    subscribe: (listener) => queue.subscribe(listener),
    async close() {
      for (const job of queue.list()) if (job.status === 'running') await queue.cancel(job.id);
      await queue.close();
    },
  };
}
