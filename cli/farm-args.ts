import { checkRedisUrl, RedisUrlError } from '../farm/redis.ts';
import { CliError, EXIT, UsageError } from './exit-codes.ts';

/** The farm's Redis URL from `--redis` or LAYERFLOW_REDIS, checked. */
export function redisUrl(flag: string | undefined): string {
  const url = flag ?? process.env.LAYERFLOW_REDIS;
  if (!url) throw new UsageError('--redis URL is required (or set LAYERFLOW_REDIS), e.g. redis://farm-host:6379');
  try {
    checkRedisUrl(url);
  } catch (err) {
    if (err instanceof RedisUrlError) throw new UsageError(err.message);
    throw err;
  }
  return url;
}

/** A whole-number option at least `min`, or its default. */
export function wholeNumber(text: string | undefined, fallback: number, flag: string, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${text}"`);
  return n;
}

/** Connecting to the farm failed (unreachable, wrong password): one line for the user, exit 1. */
export function farmUnreachable(err: Error): never {
  throw new CliError(err.message, EXIT.failed, 'farm-unreachable');
}
