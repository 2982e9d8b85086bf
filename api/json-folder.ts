import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../graph-engine/atomic-file.ts';
import { StudioError } from './errors.ts';

/** A folder of named JSON documents (`<name>.json`); names are checked by the API's SafeNameSchema. */
export class JsonFolder {
  constructor(readonly dir: string) {}

  async list(): Promise<{ name: string; modified: number }[]> {
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    const files = entries.filter((f) => f.endsWith('.json'));
    const out = await Promise.all(
      files.map(async (f) => ({ name: f.slice(0, -5), modified: (await stat(join(this.dir, f))).mtimeMs })),
    );
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(name: string): Promise<unknown> {
    const path = join(this.dir, `${name}.json`);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new StudioError('not-found', `no file "${name}.json" in ${this.dir}`);
    });
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new StudioError('bad-request', `${path} is not valid JSON: ${(err as Error).message}`);
    }
  }

  async write(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
  }
}
