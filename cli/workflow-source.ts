import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { defaultDataDir, studioPaths } from '../api/studio-paths.ts';
import { LIMITS } from '../graph-engine/limits.ts';
import { findPreset, type PresetEntry, presetLibrary } from '../presets/index.ts';
import { CliError, EXIT, UsageError } from './exit-codes.ts';

/** A workflow document as read from the command line, before loading and validation. */
export interface WorkflowSource {
  json: unknown;
  /** Short name for messages: the file's base name or the preset's name. */
  name: string;
  /** Set when the argument named a preset (shipped, or saved from the editor). */
  preset?: PresetEntry;
}

/** Where the user's own presets are: `<data>/presets`, the folder the editor's "Save as preset" writes. */
export function userPresetDir(dataDir = defaultDataDir()): string {
  return studioPaths(dataDir).presets;
}

/**
 * Reads `<file.json>` or, when the argument names no file, the preset of that name: the user's own
 * (saved from the editor) first, then the shipped ones.
 */
export async function readWorkflowSource(arg: string, dataDir?: string): Promise<WorkflowSource> {
  if (looksLikePath(arg)) return { json: await readJsonFile(arg), name: basename(arg, extname(arg)) };
  const userDir = userPresetDir(dataDir);
  const found = await findPreset(arg, userDir).catch((err: { code?: string; message: string }) => {
    if (err.code === 'preset-not-found') return undefined;
    throw new CliError(`preset "${arg}": ${err.message}`, EXIT.failed, 'bad-preset');
  });
  if (found === undefined) {
    const names = (await presetLibrary(userDir)).map((p) => p.name).join(', ');
    throw new UsageError(`"${arg}" is neither a workflow file nor a preset (presets: ${names || 'none'})`);
  }
  return { json: found.json, name: arg, preset: found.entry };
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
