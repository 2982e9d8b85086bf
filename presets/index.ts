import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of shipped presets: workflow files with a `form` of the params they expose. */
export const PRESETS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The main jobs, listed first in this order; other shipped presets (toys, variants) come last. */
const MAIN = ['text-to-layers', 'decompose', 'foreground-to-background', 'background-to-foreground', 'composite'];

export interface PresetSummary {
  name: string;
  title: string;
  description: string;
}

/** A preset found in the shipped folder or the user's: where its file is, and who made it. */
export interface PresetEntry extends PresetSummary {
  source: 'builtin' | 'user';
  path: string;
}

/** A preset name that is not a file here (or is not a plain name). */
export class PresetNotFoundError extends Error {
  readonly code = 'preset-not-found';
  constructor(readonly preset: string) {
    super(`no preset "${preset}" in ${PRESETS_DIR}`);
    this.name = 'PresetNotFoundError';
  }
}

const isName = (name: string) => /^[\w][\w .-]*$/.test(name);

async function jsonNames(dir: string): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

async function summary(name: string, path: string, source: PresetEntry['source']): Promise<PresetEntry> {
  const doc = JSON.parse(await readFile(path, 'utf8')) as { meta?: { title?: string; description?: string } };
  return { name, title: doc.meta?.title ?? name, description: doc.meta?.description ?? '', source, path };
}

/** Every shipped preset by name (its file name without .json), with the title and description of its meta. */
export async function listPresets(): Promise<PresetSummary[]> {
  const names = await jsonNames(PRESETS_DIR);
  return Promise.all(names.map((name) => summary(name, join(PRESETS_DIR, `${name}.json`), 'builtin')));
}

/**
 * The shipped presets and the user's own (saved from the editor into `userDir`), main jobs first, then
 * the user's, then the rest. A user preset with a shipped preset's name shadows it.
 */
export async function presetLibrary(userDir?: string): Promise<PresetEntry[]> {
  const user = userDir ? await jsonNames(userDir) : [];
  const mine = await Promise.all(
    user.filter(isName).map((name) => summary(name, join(userDir as string, `${name}.json`), 'user')),
  );
  const shadowed = new Set(user);
  const shipped = (await jsonNames(PRESETS_DIR)).filter((n) => !shadowed.has(n));
  const builtin = await Promise.all(shipped.map((n) => summary(n, join(PRESETS_DIR, `${n}.json`), 'builtin')));
  const rank = (p: PresetEntry) => (MAIN.includes(p.name) ? MAIN.indexOf(p.name) : MAIN.length);
  const main = builtin.filter((p) => MAIN.includes(p.name)).sort((a, b) => rank(a) - rank(b));
  return [...main, ...mine, ...builtin.filter((p) => !MAIN.includes(p.name))];
}

/** The preset's workflow document as stored (the engine's loader migrates and checks it), and its file. */
export async function findPreset(name: string, userDir?: string): Promise<{ json: unknown; entry: PresetEntry }> {
  if (!isName(name)) throw new PresetNotFoundError(name);
  for (const [dir, source] of [
    [userDir, 'user'],
    [PRESETS_DIR, 'builtin'],
  ] as const) {
    if (!dir) continue;
    const path = join(dir, `${name}.json`);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const json = JSON.parse(text) as { meta?: { title?: string; description?: string } };
    const entry = { name, title: json.meta?.title ?? name, description: json.meta?.description ?? '', source, path };
    return { json, entry };
  }
  throw new PresetNotFoundError(name);
}

/** A shipped preset's workflow document, as stored. */
export async function loadPreset(name: string): Promise<unknown> {
  return (await findPreset(name)).json;
}
