import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { PackError } from './errors.ts';
import { type Manifest, ManifestSchema } from './schema.ts';

export const MANIFEST_FILE = 'manifest.json';

/** Reads and validates `<dir>/manifest.json`; errors name the file and the JSON path inside it. */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PackError('manifest-missing', file, `${file}: cannot read the pack manifest (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PackError('manifest-json', file, `${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseManifest(json, file);
}

/** Validates manifest JSON; `file` names where it came from in the error. */
export function parseManifest(json: unknown, file: string): Manifest {
  const result = ManifestSchema.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues.map((i) => `  ${jsonPath(i.path)}: ${i.message}`);
  throw new PackError(
    'manifest-schema',
    file,
    `${file}: invalid pack manifest\n${lines.join('\n')}`,
    issues[0].path.map(pathKey),
  );
}

function pathKey(k: PropertyKey): string | number {
  return typeof k === 'number' ? k : String(k);
}

/** `config.schedule.steps`, `files["transformer.decompose"].sha256`, `tasks[2]`. */
export function jsonPath(path: z.core.$ZodIssue['path']): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(k))) out += out ? `.${String(k)}` : String(k);
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}
