import { mkdir, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { redactUrl } from '../farm/redis.ts';
import { FarmWorker } from '../farm/worker.ts';
import { defaultPackNames, localPacks } from '../farm/worker-packs.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { farmUnreachable, redisUrl, wholeNumber } from './farm-args.ts';
import { registryWithPacks } from './node-pack.ts';

const options = {
  redis: { type: 'string' },
  concurrency: { type: 'string' },
  packs: { type: 'string' },
  out: { type: 'string' },
  'read-root': { type: 'string', multiple: true },
  'lock-seconds': { type: 'string' },
  'max-step-seconds': { type: 'string' },
  'stalled-seconds': { type: 'string' },
  'max-stalled': { type: 'string' },
  'grace-seconds': { type: 'string' },
  'node-pack': { type: 'string', multiple: true },
  id: { type: 'string' },
  prefix: { type: 'string' },
} as const;

/**
 * `layerflow worker --redis URL [--concurrency N] [--packs a,b] [--out DIR] [--read-root DIR …]`: takes
 * farm jobs for the packs it holds until SIGTERM or Ctrl-C, which lets running jobs finish for the grace
 * period and returns the rest to the queue; a second signal exits at once.
 */
export async function workerCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (positionals.length > 0)
    throw new UsageError('worker takes no positional arguments (see --redis, --packs, --out)');
  const url = redisUrl(values.redis);
  const out = resolve(values.out ?? 'out/farm');
  await mkdir(out, { recursive: true });
  const names =
    values.packs === undefined
      ? await defaultPackNames()
      : values.packs
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`checking packs: ${names.join(', ') || 'none (jobs that need no pack only)'} …`);
  const packs = await localPacks(names).catch((err: Error) => {
    throw new UsageError(err.message);
  });
  const readRoots = await Promise.all(
    (values['read-root'] ?? []).map((r) =>
      realpath(r).catch(() => {
        throw new UsageError(`--read-root ${r}: no such folder`);
      }),
    ),
  );
  const worker = await FarmWorker.start({
    url,
    prefix: values.prefix,
    registry: await registryWithPacks(values['node-pack'] ?? []),
    out,
    packs,
    readRoots,
    concurrency: wholeNumber(values.concurrency, 1, '--concurrency', 1),
    lockMs: wholeNumber(values['lock-seconds'], 30, '--lock-seconds', 1) * 1000,
    maxBlockMs: wholeNumber(values['max-step-seconds'], 600, '--max-step-seconds', 1) * 1000,
    stalledMs: wholeNumber(values['stalled-seconds'], 30, '--stalled-seconds', 1) * 1000,
    maxStalled: wholeNumber(values['max-stalled'], 2, '--max-stalled', 0),
    pollMs: 2000,
    id: values.id,
    log: say,
  }).catch(farmUnreachable);
  const grace = wholeNumber(values['grace-seconds'], 30, '--grace-seconds', 0) * 1000;
  say(
    `worker ${worker.id}: ${redactUrl(url)}, out ${out}\n` +
      [...packs.values()].map((p) => `  pack ${p.name} sha256 ${p.sha256.slice(0, 12)}…`).join('\n'),
  );
  process.stdout.write(`ready ${worker.id}\n`);
  return new Promise((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(EXIT.cancelled);
      stopping = true;
      say(
        `stopping: finishing running jobs for up to ${grace / 1000} s, then returning them (signal again to quit at once)`,
      );
      worker.stop(grace).then(
        () => done(EXIT.ok),
        (err: Error) => {
          say(`error while stopping: ${err.message}`);
          done(EXIT.failed);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
