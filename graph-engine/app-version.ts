import { readFileSync } from 'node:fs';

let cached: { name: string; version: string } | undefined;

/** Name and version of the app from its package.json, read once. */
export function appInfo(): { name: string; version: string } {
  cached ??= JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name: cached.name, version: cached.version };
}
