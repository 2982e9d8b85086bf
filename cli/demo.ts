import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError } from './exit-codes.ts';
import { runCommand } from './run.ts';

/** The preset the demo runs per variant: text-to-layers on the built-in demo pack (a closed-form model). */
const DEMO_PRESET = { rgba: 'text-to-layers', rgb: 'text-to-layers-rgb' } as const;

/**
 * `layerflow demo [--out DIR] [--rgb] [--set …] [--json]`: the README's main job. Runs text-to-layers on
 * the demo pack (built on first use, CPU, seconds) and lists what it wrote: foreground with alpha,
 * background and blend videos, a contact sheet and the run manifest.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      rgb: { type: 'boolean' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError('demo takes no positional arguments (see --out, --set, --rgb)');
  const out = resolve(values.out ?? 'out/demo');
  const preset = DEMO_PRESET[values.rgb ? 'rgb' : 'rgba'];
  const sets = (values.set ?? []).flatMap((s) => ['--set', s]);
  const code = await runCommand([preset, '--out', out, ...sets, ...(values.json ? ['--json'] : [])]);
  if (code !== EXIT.ok || values.json) return code;
  const files = (await readdir(out, { recursive: true })).filter((f) => !f.startsWith('.')).sort();
  process.stdout.write(
    `\nDemo pack: a closed-form model over a built-in library of layered clips, not LayerFlow's weights.\n` +
      `Wrote ${files.length} files to ${relative(process.cwd(), out) || '.'}:\n` +
      files.map((f) => `  ${join(relative(process.cwd(), out), f)}\n`).join(''),
  );
  return code;
}
