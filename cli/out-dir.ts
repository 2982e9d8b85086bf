import { resolve } from 'node:path';

/** `./out/<YYYYMMDD-HHMMSS>-<name>`, local time, the name made safe for a folder. */
export function defaultOutDir(name: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const safe = name.replace(/[^\w.-]+/g, '-').replace(/^[-.]+/, '') || 'run';
  return resolve('out', `${stamp}-${safe}`);
}
