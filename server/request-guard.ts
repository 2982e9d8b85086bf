import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Why a request is refused before its token is even looked at, or undefined when it may go on.
 *
 * - Host must name this server by IP literal or `localhost` and its own port: a page on an attacker's
 *   domain that re-resolves to 127.0.0.1 (DNS rebinding) sends its own domain as Host.
 * - Origin, when a browser sends one (always on WebSocket upgrades and POSTs), must be this server's own
 *   origin: another site, or another local service's page, cannot drive the studio.
 */
export function refusal(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!host || !hostIsOurs(host, port)) return `Host "${host ?? ''}" is not this server`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return `Origin "${origin}" is not this server`;
  return undefined;
}

function hostIsOurs(host: string, port: number): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/i.exec(host);
  if (!m || Number(m[2]) !== port) return false;
  const name = m[1].replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || isIP(name) !== 0;
}
