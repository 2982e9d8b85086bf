import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PackError } from '../models/pack/errors.ts';
import { installedPacksDir } from '../models/pack/installed.ts';
import { MANIFEST_FILE, readManifest } from '../models/pack/manifest-file.ts';
import { packFileRefs, readPack } from '../models/pack/read.ts';
import { BUILTIN_PACKS, packDir } from '../nodes/layerflow/pack-source.ts';
import { byteProgress } from './byte-progress.ts';
import { EXIT, UsageError } from './exit-codes.ts';

const USAGE = `layerflow pack list [--json]                 installed and built-in packs
layerflow pack verify <pack> [--json]        re-hash every file of a pack (name or folder)
layerflow pack import <path…> [options]      import the released files (layerflow pack import --help)`;

/** `layerflow pack <list|verify|import>`. */
export async function packCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if ((sub === 'list' || sub === 'verify') && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (sub === 'list') return listCommand(rest);
  if (sub === 'verify') return verifyCommand(rest);
  if (sub === 'import') return (await import('./pack-import.ts')).importCommand(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  throw new UsageError(`unknown pack command "${sub}" (list, verify or import)`);
}

interface PackRow {
  name: string;
  path: string;
  kind: string;
  variant: string;
  tasks: string[];
  bytes: number;
  description: string;
}

async function listCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const rows: PackRow[] = [];
  const root = installedPacksDir();
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const row = await rowOf(name, join(root, name));
    if (row) rows.push(row);
  }
  for (const name of BUILTIN_PACKS) {
    const row = await rowOf(name, packDir(name));
    rows.push(
      row ?? {
        name,
        path: packDir(name),
        kind: name.split('-')[0],
        variant: name.split('-')[1],
        tasks: [],
        bytes: 0,
        description: 'built-in, generated on first use',
      },
    );
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ installedIn: root, packs: rows })}\n`);
    return EXIT.ok;
  }
  process.stdout.write(`installed packs folder: ${root}\n`);
  for (const r of rows) {
    const size = !r.bytes
      ? '-'
      : r.bytes < 2 ** 30
        ? `${(r.bytes / 2 ** 20).toFixed(1)} MiB`
        : `${(r.bytes / 2 ** 30).toFixed(2)} GiB`;
    process.stdout.write(
      `${r.name.padEnd(22)} ${r.kind.padEnd(9)} ${r.variant.padEnd(5)} ${size.padStart(10)}  ${r.tasks.join(',') || '-'}\n    ${r.path}\n`,
    );
  }
  return EXIT.ok;
}

/** A pack folder's summary, or undefined when it holds no readable manifest. */
async function rowOf(name: string, dir: string): Promise<PackRow | undefined> {
  if (!(await stat(join(dir, MANIFEST_FILE)).catch(() => undefined))) return undefined;
  const m = await readManifest(dir).catch(() => undefined);
  if (!m) return undefined;
  const bytes = packFileRefs(m).reduce((a, f) => a + f.bytes, 0);
  return { name, path: dir, kind: m.kind, variant: m.variant, tasks: [...m.tasks], bytes, description: m.description };
}

async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('pack verify takes one pack name or folder');
  const dir = packDir(positionals[0]);
  const bar = byteProgress(process.stderr, Boolean(values.json));
  let pack: Awaited<ReturnType<typeof readPack>>;
  try {
    pack = await readPack(dir, { rehash: true, onProgress: (done, total, file) => bar.update(done, total, file) });
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    bar.done(`${dir}: FAILED`);
    if (values.json)
      process.stdout.write(`${JSON.stringify({ pack: dir, ok: false, code: err.code, file: err.file, message: err.message })}
`);
    else
      process.stderr.write(`layerflow: ${err.message}
`);
    return EXIT.failed;
  }
  const bytes = pack.verified.reduce((a, f) => a + f.bytes, 0);
  bar.done(`${dir}: ${pack.verified.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB, every sha256 matches`);
  if (values.json) process.stdout.write(`${JSON.stringify({ pack: dir, ok: true, files: pack.verified })}\n`);
  return EXIT.ok;
}
