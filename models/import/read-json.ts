import { existsSync, readFileSync } from 'node:fs';
import { WeightFileError } from '../weights/file-error.ts';

/** A JSON file's value; errors name the file and say what it was for. */
export function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new WeightFileError('missing-file', file, `${file} is missing (${what})`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new WeightFileError('bad-file', file, `${file} is not JSON: ${(e as Error).message}`);
  }
}
