import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-layerflow-token';
export const TOKEN_COOKIE = 'layerflow_token';

/** A fresh per-launch secret; anything on this machine can reach 127.0.0.1, so every request needs it. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function cookieToken(req: IncomingMessage): string | undefined {
  const cookies = req.headers.cookie?.split(';') ?? [];
  for (const c of cookies) {
    const [k, ...v] = c.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return undefined;
}

/** The token a request carries: header, `?token=` query, or the cookie set with the index page. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  return (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('token') ?? cookieToken(req);
}

export function tokenMatches(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
