import { parseArgs } from 'node:util';
import { RemoteJobs } from '../farm/remote-jobs.ts';
import { createRegistry } from '../nodes/index.ts';
import { UsageError } from './exit-codes.ts';
import { farmUnreachable, redisUrl } from './farm-args.ts';

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** `layerflow workers --redis URL [--json]`: the live workers (packs, device, memory, jobs) and each queue's counts. */
export async function workersCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { redis: { type: 'string' }, json: { type: 'boolean' }, prefix: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('workers takes no positional arguments');
  const url = redisUrl(values.redis);
  const farm = await RemoteJobs.connect({ url, prefix: values.prefix, registry: createRegistry() }).catch(
    farmUnreachable,
  );
  try {
    const [workers, queues] = [await farm.workers(), await farm.queueCounts()];
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ workers, queues }, null, 2)}\n`);
      return 0;
    }
    for (const w of workers) {
      const gpu = w.memory.gpu ? `, GPU ${gib(w.memory.gpu.usedBytes)} of ${gib(w.memory.gpu.totalBytes)} used` : '';
      process.stdout.write(
        `${w.id} (${w.state}) on ${w.host}: ${w.device.provider}, ${gib(w.memory.freeBytes)} free${gpu}; ` +
          `${w.running.length}/${w.concurrency} running${w.running.length ? ` (${w.running.join(', ')})` : ''}\n` +
          `  packs: ${w.packs.map((p) => `${p.name} ${p.sha256.slice(0, 12)}…`).join(', ') || 'none'}\n`,
      );
    }
    if (workers.length === 0) process.stdout.write('no live workers\n');
    for (const q of queues) {
      const counts = Object.entries(q.counts)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      process.stdout.write(`queue ${q.queue} [${q.packs.join(', ') || 'no packs'}]: ${counts}\n`);
    }
    return 0;
  } finally {
    await farm.close();
  }
}
