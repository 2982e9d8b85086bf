import { parseArgs } from 'node:util';
import { validateWorkflow } from '../graph-engine/validate.ts';
import { loadWorkflow } from '../graph-engine/workflow.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { type CliIssue, formatIssue, fromLoadIssue } from './issues.ts';
import { registryWithPacks } from './node-pack.ts';
import { readWorkflowSource } from './workflow-source.ts';

/** `layerflow validate <file> [--json]`: exit 0 when valid, 1 with one problem per line when not. */
export async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, data: { type: 'string' }, 'node-pack': { type: 'string', multiple: true } },
  });
  if (positionals.length !== 1) throw new UsageError('validate takes one workflow file or preset name');
  const source = await readWorkflowSource(positionals[0], values.data);
  const registry = await registryWithPacks(values['node-pack'] ?? []);
  const loaded = loadWorkflow(source.json, { registry });
  const issues: CliIssue[] = loaded.ok
    ? validateWorkflow(loaded.workflow, registry, {})
    : loaded.issues.map(fromLoadIssue);
  if (values.json) process.stdout.write(`${JSON.stringify({ valid: issues.length === 0, issues })}\n`);
  else if (issues.length === 0) process.stdout.write(`${positionals[0]}: valid\n`);
  else process.stdout.write(issues.map((i) => `${formatIssue(i)}\n`).join(''));
  return issues.length === 0 ? EXIT.ok : EXIT.failed;
}
