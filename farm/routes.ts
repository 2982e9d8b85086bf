import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FarmKeys } from './keys.ts';
import type { PackNeed } from './payload.ts';

/**
 * Jobs are routed by the packs they need: one BullMQ queue per set of pack hashes. A worker takes jobs
 * only from the queues whose every pack it holds, so a job never reaches a worker that cannot run it —
 * no worker has to take a job, look, and put it back (which would burn attempts, bounce jobs between
 * workers that lack the pack, and cost a round trip per look).
 */
export const RouteSchema = z.object({ packs: z.array(z.object({ name: z.string(), sha256: z.string() })) });
export type Route = z.infer<typeof RouteSchema>;

/** The queue of jobs needing exactly these packs: `packs-<hash of the sorted hashes>`, or `no-packs`. */
export function routeOf(needs: PackNeed[]): { queue: string; route: Route } {
  const byHash = new Map(needs.map((n) => [n.sha256, n.name]));
  const hashes = [...byHash.keys()].sort();
  const queue = hashes.length
    ? `packs-${createHash('sha256').update(hashes.join(',')).digest('hex').slice(0, 16)}`
    : 'no-packs';
  return { queue, route: { packs: hashes.map((sha256) => ({ name: byHash.get(sha256) as string, sha256 })) } };
}

/** Whether a worker holding `hashes` can run every job of the route. */
export function canServe(route: Route, hashes: ReadonlySet<string>): boolean {
  return route.packs.every((p) => hashes.has(p.sha256));
}

/** Every route submitters have used, by queue name (malformed entries are skipped). */
export async function readRoutes(redis: Redis, keys: FarmKeys): Promise<Map<string, Route>> {
  const raw = await redis.hgetall(keys.routes);
  const routes = new Map<string, Route>([['no-packs', { packs: [] }]]);
  for (const [queue, text] of Object.entries(raw)) {
    try {
      const parsed = RouteSchema.safeParse(JSON.parse(text));
      if (parsed.success) routes.set(queue, parsed.data);
    } catch {
      // not ours: leave it
    }
  }
  return routes;
}
