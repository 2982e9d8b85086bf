import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../api/studio-paths.ts';
import { FolderLockedError } from '../graph-engine/folder-lock.ts';
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
} as const;

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535 (0: any free port), not "${text}"`);
  }
  return port;
}

/**
 * `layerflow serve [--port N] [--data DIR] [--open]`: the editor and its API over the real engine and
 * node packs on 127.0.0.1, until Ctrl-C. The first Ctrl-C cancels a running job, keeps queued ones for
 * the next launch and closes cleanly; a second one exits at once.
 */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  if (positionals.length > 0) throw new UsageError('serve takes no positional arguments (see --port, --data, --open)');
  const port = parsePort(values.port);
  const dataDir = resolve(values.data ?? defaultDataDir());
  await ensureRenderer();
  const server = await startServer({ port, host: HOST, dataDir }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; pick another with --port`);
    if (err instanceof FolderLockedError) throw new CliError(err.message, EXIT.failed, err.code);
    throw err;
  });
  const url = `${server.url}?token=${server.token}`;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  process.stdout.write(`LayerFlow Studio is running at ${url}\n`);
  say(`data: ${dataDir}\nPress Ctrl-C to stop.`);
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
