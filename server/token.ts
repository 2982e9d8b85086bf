import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-layerflow-token';

/** A fresh per-launch secret; anything on this machine can reach 127.0.0.1, so every request needs it. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The token a request carries: the header (API calls) or a `?token=` query (the first page load, the
 * WebSocket and media URLs, which cannot set headers). No cookie: browsers send 127.0.0.1's cookies to
 * every port on it, so a cookie would hand the token to any other local service the browser visits.
 */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  return (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('token') ?? undefined;
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
