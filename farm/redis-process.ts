import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A private redis-server for the tests, the bench, or trying the farm on one machine: a free port on
 * 127.0.0.1, its data in its own folder, AOF fsync'd on every write. Never the default port, never
 * daemonized: whoever starts it owns the process and stops it.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops it cleanly (SIGTERM: the AOF is flushed). */
  stop(): Promise<void>;
  /** Kills it (SIGKILL): only what the AOF already has survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Server certificate and key, and the CA that signed it: the server then listens for TLS only. */
export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
}

function launch(port: number, dir: string, extra: string[], tls?: RedisTls): Promise<ChildProcess> {
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
    : ['--port', String(port)];
  if (tls) listen.push('--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no');
  const args = [...listen, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'];
  args.push('--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'no', ...extra);
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) {
        proc.stdout?.off('data', onData);
        proc.stdout?.resume();
        resolve(proc);
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${log}`)));
    proc.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error('redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)')
          : err,
      ),
    );
  });
}

/** Starts redis-server; `extra` are more server arguments (e.g. `--requirepass`); with `tls`, TLS only. */
export async function startRedis(dir: string, extra: string[] = [], tls?: RedisTls): Promise<PrivateRedis> {
  const port = await freePort();
  let proc = await launch(port, dir, extra, tls);
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
  };
  return {
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      proc = await launch(port, dir, extra, tls);
    },
  };
}
