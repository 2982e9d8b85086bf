import { parseArgs } from 'node:util';
import { workflowJsonSchema } from '../graph-engine/workflow.ts';
import { EXIT, UsageError } from './exit-codes.ts';

/** `layerflow schema`: the workflow file format as JSON Schema, for editors and other tools. */
export async function schemaCommand(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 0) throw new UsageError('schema takes no arguments');
  process.stdout.write(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
