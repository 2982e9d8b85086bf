/**
 * `npm run build:wasm`: compiles each media/wasm/*.wat and models/wasm/*.wat with wabt (a dev dependency, too slow to load at
 * run time: ~0.3 s) into a <name>.wasm.ts beside it that holds the binary as base64. A test checks that
 * the committed .wasm.ts files match their sources.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import wabtInit from 'wabt';

/** Folders holding .wat sources. */
const DIRS = [import.meta.dirname, join(import.meta.dirname, '../../models/wasm')];

/** The TypeScript module text holding the compiled binary of `wat` (source file `name`). */
export async function compiledModuleText(name: string, wat: string): Promise<string> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(name, wat, { simd: true });
  try {
    module.validate();
    const { buffer } = module.toBinary({});
    const base64 = Buffer.from(buffer).toString('base64');
    return `// Generated from ${name} by media/wasm/build.ts (npm run build:wasm): do not edit.\nexport const WASM_BASE64 =\n  '${base64}';\n`;
  } finally {
    module.destroy();
  }
}

/** The .wat sources, as paths. */
export async function watSources(): Promise<string[]> {
  const all = await Promise.all(
    DIRS.map(async (dir) => (await readdir(dir)).filter((f) => f.endsWith('.wat')).map((f) => join(dir, f))),
  );
  return all.flat().sort();
}

/** The generated module beside source `wat` (a path). */
export function generatedPath(wat: string): string {
  return wat.replace(/\.wat$/, '.wasm.ts');
}

if (process.argv[1] === import.meta.filename) {
  for (const wat of await watSources()) {
    await writeFile(generatedPath(wat), await compiledModuleText(basename(wat), await readFile(wat, 'utf8')));
    process.stdout.write(`${generatedPath(wat)}\n`);
  }
}
