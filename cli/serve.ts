import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../api/studio-paths.ts';
import { FolderLockedError } from '../graph-engine/folder-lock.ts';
import type { JobBackend } from '../graph-engine/job-backend.ts';
import { ensureRenderer } from '../server/renderer-build.ts';
import { startServer } from '../server/server.ts';
import { CliError, EXIT, UsageError } from './exit-codes.ts';
import { openBrowser } from './open-browser.ts';

/** Loopback only: anything on this machine can reach it, so the per-launch token guards every request. */
const HOST = '127.0.0.1';

const options = {
  port: { type: 'string' },
  data: { type: 'string' },
  open: { type: 'boolean' },
  redis: { type: 'string' },
  shared: { type: 'string' },
  prefix: { type: 'string' },
} as const;

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535 (0: any free port), not "${text}"`);
  }
  return port;
}

/** With `--redis URL` (or LAYERFLOW_REDIS): jobs go to the farm and run folders are read from `--shared`. */
async function farmBackend(values: {
  redis?: string;
  shared?: string;
  prefix?: string;
}): Promise<{ jobs?: JobBackend; where?: string; outputsDir?: string }> {
  const url = values.redis ?? process.env.LAYERFLOW_REDIS;
  if (url === undefined) {
    if (values.shared || values.prefix) throw new UsageError('--shared and --prefix need --redis URL');
    return {};
  }
  const [{ RemoteJobs }, { createRegistry }, { redisUrl, farmUnreachable }, { redactUrl }] = await Promise.all([
    import('../farm/remote-jobs.ts'),
    import('../nodes/index.ts'),
    import('./farm-args.ts'),
    import('../farm/redis.ts'),
  ]);
  const checked = redisUrl(url);
  const shared = values.shared === undefined ? undefined : resolve(values.shared);
  const jobs = await RemoteJobs.connect({
    url: checked,
    prefix: values.prefix,
    registry: createRegistry(),
    shared,
  }).catch(farmUnreachable);
  return { jobs, where: redactUrl(checked), ...(shared ? { outputsDir: shared } : {}) };
}

/**
 * `layerflow serve [--port N] [--data DIR] [--open]`: the editor and its API over the real engine and
 * node packs on 127.0.0.1, until Ctrl-C. The first Ctrl-C cancels a running job, keeps queued ones for
 * the next launch and closes cleanly (farm jobs keep running on their workers); a second one exits at once.
 */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (positionals.length > 0) throw new UsageError('serve takes no positional arguments (see --port, --data, --open)');
  const port = parsePort(values.port);
  const dataDir = resolve(values.data ?? defaultDataDir());
  const farm = await farmBackend(values);
  await ensureRenderer();
  const server = await startServer({ port, host: HOST, dataDir, jobs: farm.jobs, outputsDir: farm.outputsDir }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; pick another with --port`);
      if (err instanceof FolderLockedError) throw new CliError(err.message, EXIT.failed, err.code);
      throw err;
    },
  );
  const url = `${server.url}?token=${server.token}`;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  process.stdout.write(`LayerFlow Studio is running at ${url}\n`);
  say(`data: ${dataDir}${farm.where ? `\njobs run on the farm at ${farm.where}` : ''}\nPress Ctrl-C to stop.`);
  const removeLaunchPage = values.open ? await openBrowser(url, say) : async () => {};
  return new Promise((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(EXIT.cancelled);
      stopping = true;
      say('stopping… (Ctrl-C again to quit at once)');
      Promise.all([server.close(), removeLaunchPage()]).then(
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
