import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';

/** A Redis URL the farm accepts, checked before anything connects. */
export class RedisUrlError extends Error {
  readonly code = 'bad-redis-url';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** Checks `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
export function checkRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(`--redis ${url}: not a URL (want redis://host:6379 or rediss://host:6380)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RedisUrlError(`--redis ${redactUrl(url)}: the scheme must be redis:// or rediss:// (TLS)`);
  }
  if (!u.hostname) throw new RedisUrlError(`--redis ${redactUrl(url)}: no host`);
  return u;
}

/**
 * A connection for the farm. `rediss://` turns on TLS (server certificate checked against the system CAs,
 * or the PEM file in LAYERFLOW_REDIS_CA for a private CA); a password or ACL user comes in the URL. Never
 * gives up reconnecting, so workers and servers ride out a Redis restart.
 */
export function connectRedis(url: string, extra: RedisOptions = {}): Redis {
  const u = checkRedisUrl(url);
  const ca = process.env.LAYERFLOW_REDIS_CA;
  const tls = u.protocol === 'rediss:' ? { tls: ca ? { ca: readFileSync(ca) } : {} } : {};
  return new Redis(url, {
    // BullMQ's blocking calls need this; commands wait through a reconnect instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...tls,
    ...extra,
  });
}

const AUTH = /WRONGPASS|NOAUTH|invalid password|invalid username/i;

/**
 * Resolves once the connection is ready. A refused password fails at once (retrying cannot help); other
 * errors (Redis down, restarting) are retried, for `timeoutMs` when given, else for as long as it takes.
 */
export function whenReady(redis: Redis, url: string, timeoutMs?: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let last = 'no answer';
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err) {
        redis.disconnect();
        reject(err);
      } else resolve();
    };
    const onReady = () => done();
    const onError = (err: Error) => {
      last = err.message;
      if (AUTH.test(err.message)) done(new Error(`Redis at ${redactUrl(url)} refused the credentials: ${err.message}`));
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => done(new Error(`cannot reach Redis at ${redactUrl(url)}: ${last}`)), timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
