import { parseArgs } from 'node:util';
import type { NodeDescription, PortDescription } from '../graph-engine/registry.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { registryWithPacks } from './node-pack.ts';

/** `layerflow nodes [--json]`: every node spec (newest versions) with its ports and params. */
export async function nodesCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, 'node-pack': { type: 'string', multiple: true } },
  });
  if (positionals.length > 0) throw new UsageError('nodes takes no arguments');
  const registry = await registryWithPacks(values['node-pack'] ?? []);
  const nodes = registry
    .list()
    .map((spec) => registry.describeNode(spec))
    .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
  if (values.json) process.stdout.write(`${JSON.stringify(nodes)}\n`);
  else process.stdout.write(nodes.map(formatNode).join('\n'));
  return EXIT.ok;
}

type ParamSchema = { type?: string; enum?: unknown[]; default?: unknown };

function formatNode(node: NodeDescription): string {
  const properties = (node.params.properties ?? {}) as Record<string, ParamSchema>;
  const params = Object.entries(properties).map(([name, s]) => `    ${name}: ${paramText(s)}`);
  return [
    `${node.type} v${node.version}  [${node.category}]  ${node.title}`,
    `  in:  ${portsText(node.inputs)}`,
    `  out: ${portsText(node.outputs)}`,
    ...(params.length > 0 ? ['  params:', ...params] : []),
    '',
  ].join('\n');
}

function portsText(ports: Record<string, PortDescription>): string {
  const all = Object.entries(ports).map(([name, p]) => `${name}${p.optional ? '?' : ''}: ${p.text}`);
  return all.join(', ') || '—';
}

function paramText(s: ParamSchema): string {
  const type = s.enum ? s.enum.map((v) => JSON.stringify(v)).join(' | ') : (s.type ?? 'any');
  return `${type}${s.default === undefined ? '' : ` = ${JSON.stringify(s.default)}`}`;
}
