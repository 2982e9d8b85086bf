import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of shipped presets: workflow files with a `form` of the params they expose. */
export const PRESETS_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface PresetSummary {
  name: string;
  title: string;
  description: string;
}

/** A preset name that is not a file here (or is not a plain name). */
export class PresetNotFoundError extends Error {
  readonly code = 'preset-not-found';
  constructor(readonly preset: string) {
    super(`no preset "${preset}" in ${PRESETS_DIR}`);
    this.name = 'PresetNotFoundError';
  }
}

/** Every shipped preset by name (its file name without .json), with the title and description of its meta. */
export async function listPresets(): Promise<PresetSummary[]> {
  const files = (await readdir(PRESETS_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const name = file.slice(0, -'.json'.length);
      const meta = ((await loadPreset(name)) as { meta?: { title?: string; description?: string } }).meta;
      return { name, title: meta?.title ?? name, description: meta?.description ?? '' };
    }),
  );
}

/** The preset's workflow document, as stored (the engine's loader migrates and checks it). */
export async function loadPreset(name: string): Promise<unknown> {
  if (!/^[\w.-]+$/.test(name)) throw new PresetNotFoundError(name);
  const text = await readFile(join(PRESETS_DIR, `${name}.json`), 'utf8').catch(() => {
    throw new PresetNotFoundError(name);
  });
  return JSON.parse(text);
}
