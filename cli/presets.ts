import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { presetLibrary } from '../presets/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { userPresetDir } from './workflow-source.ts';

/** `layerflow presets [--json] [--data DIR]`: the shipped presets and the user's own, with their files. */
export async function presetsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, data: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError('presets takes no arguments');
  const presets = await presetLibrary(userPresetDir(values.data));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(presets)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(0, ...presets.map((p) => p.name.length));
  for (const p of presets) {
    const mine = p.source === 'user' ? ' (yours)' : '';
    const shown = p.path.startsWith(process.cwd()) ? relative(process.cwd(), p.path) : p.path;
    process.stdout.write(`${p.name.padEnd(width)}  ${p.title}${mine}\n${' '.repeat(width)}  ${shown}\n`);
  }
  process.stdout.write(
    '\nRun one: layerflow run <name> [--set node.param=value …]; its fields: layerflow run <name> --help\n',
  );
  return EXIT.ok;
}
