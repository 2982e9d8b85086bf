import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { LIMITS } from '../graph-engine/limits.ts';
import { listPresets, loadPreset } from '../presets/index.ts';
import { CliError, EXIT, UsageError } from './exit-codes.ts';

/** A workflow document as read from the command line, before loading and validation. */
export interface WorkflowSource {
  json: unknown;
  /** Short name for output folders: the file's base name or the preset's name. */
  name: string;
}

/** Reads `<file.json>` or, when the argument names no file, the preset of that name. */
export async function readWorkflowSource(arg: string): Promise<WorkflowSource> {
  if (looksLikePath(arg)) return { json: await readJsonFile(arg), name: basename(arg, extname(arg)) };
  const preset = await loadPreset(arg).catch((err: { code?: string; message: string }) => {
    if (err.code === 'preset-not-found') return undefined;
    throw new CliError(`preset "${arg}": ${err.message}`, EXIT.failed, 'bad-preset');
  });
  if (preset === undefined) {
    const names = (await listPresets()).map((p) => p.name).join(', ');
    throw new UsageError(`"${arg}" is neither a workflow file nor a preset (presets: ${names || 'none'})`);
  }
  return { json: preset, name: arg };
}

function looksLikePath(arg: string): boolean {
  return arg.endsWith('.json') || arg.includes('/') || arg.includes('\\');
}

async function readJsonFile(path: string): Promise<unknown> {
  const size = (await stat(path).catch(() => undefined))?.size ?? 0;
  if (size > LIMITS.workflowBytes) {
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new CliError(
      `${path} is ${mb(size)}; a workflow file may be at most ${mb(LIMITS.workflowBytes)}`,
      EXIT.failed,
      'too-large',
    );
  }
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`, EXIT.failed, 'bad-json');
  }
}
