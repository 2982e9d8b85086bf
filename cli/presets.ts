import { parseArgs } from 'node:util';
import { listPresets } from '../presets/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';

/** `layerflow presets [--json]`: the presets shipped with the app. */
export async function presetsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('presets takes no arguments');
  const presets = await listPresets();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(presets)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(0, ...presets.map((p) => p.name.length));
  for (const p of presets)
    process.stdout.write(`${p.name.padEnd(width)}  ${p.title}${p.description ? ` — ${p.description}` : ''}\n`);
  return EXIT.ok;
}
