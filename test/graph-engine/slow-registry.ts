// A registry module for childRunner tests that never finishes loading, like a node pack stuck at import.
// It says it started by writing its pid to the file named by LF_SLOW_REGISTRY_FLAG, and keeps a timer
// alive so only its parent letting go (or a kill) ends it.
import { writeFileSync } from 'node:fs';

export async function createRegistry(): Promise<never> {
  const flag = process.env.LF_SLOW_REGISTRY_FLAG;
  if (flag) writeFileSync(flag, String(process.pid));
  setInterval(() => {}, 60_000);
  return new Promise<never>(() => {});
}
