import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const PACK = new URL('./toy-pack.ts', import.meta.url).pathname;
const MAIN = new URL('../../cli/main.ts', import.meta.url).pathname;
/** Absolute, so the CLI can run in a temp folder (where default outputs land). */
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `node --import tsx cli/main.ts …` with stdout and stderr piped (so not a TTY). */
export function startCli(args: string[], cwd?: string, env?: NodeJS.ProcessEnv) {
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
  return { proc, done };
}

/** Runs the CLI to its end; `env` adds to (or overrides) this process's environment. */
export function cli(args: string[], cwd?: string, env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, cwd, env).done;
}

/** `layerflow pack import` of a golden tiny release (laid out as downloaded) as float32 packs `<name>-<variant>`. */
export function cliImportRelease(release: string, out: string, name: string, ...extra: string[]): Promise<CliResult> {
  return cli([
    'pack',
    'import',
    join(release, 'LayerFlow'),
    join(release, 'CogVideoX-2b-sat'),
    '--config',
    join(release, 'release-tiny.json'),
    '--out',
    out,
    '--dtype',
    'float32',
    '--name',
    name,
    ...extra,
  ]);
}
