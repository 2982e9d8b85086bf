import type { NodeRegistry } from '../graph-engine/registry.ts';
import type { Workflow } from '../graph-engine/workflow.ts';
import { COMMAND_HELP } from './help.ts';
import type { WorkflowSource } from './workflow-source.ts';

type ParamSchema = {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  widget?: string;
  label?: string;
  extensions?: string[];
  folder?: boolean;
  choices?: ({ value: unknown; label?: string } | string | number)[];
};

/** Choices listed in full up to this many; longer lists show their first two. */
const MAX_CHOICES = 4;

/** The value a field has as the preset ships it: the preset's own, else the node's default. */
function shownValue(value: unknown, choices: ParamSchema['choices']): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  const choice = choices?.find((c) => typeof c === 'object' && c.value === value);
  return choice && typeof choice === 'object' && choice.label ? `${text} (${choice.label})` : text;
}

/** What the field accepts, in a few words. */
function accepts(s: ParamSchema): string {
  if (s.widget === 'file')
    return s.folder
      ? 'a folder or a pattern such as frames/*.png'
      : `a file: ${(s.extensions ?? []).join(', ') || 'any'}`;
  const choices = s.choices ?? s.enum?.map((value) => ({ value }));
  if (choices?.length) {
    const shown = choices.slice(0, choices.length > MAX_CHOICES ? 2 : MAX_CHOICES).map((c) => {
      const o: { value: unknown; label?: string } = typeof c === 'object' ? c : { value: c };
      return o.label && o.label !== String(o.value) ? `${JSON.stringify(o.value)} ${o.label}` : JSON.stringify(o.value);
    });
    if (choices.length <= MAX_CHOICES) return `one of ${shown.join(', ')}`;
    return `one of ${choices.length}: ${shown.join(', ')}, … (layerflow nodes lists them)`;
  }
  if (s.minimum !== undefined || s.maximum !== undefined)
    return `${s.type ?? 'number'} ${s.minimum ?? ''}…${s.maximum ?? ''}`;
  return s.type ?? 'any';
}

/** `layerflow run <preset> --help`: run's usage, then the preset's form fields with defaults. */
export function presetHelp(source: WorkflowSource, workflow: Workflow, registry: NodeRegistry): string {
  const lines = [COMMAND_HELP.run];
  const title = workflow.meta?.title ?? source.name;
  const where = source.preset
    ? `preset "${source.name}", ${source.preset.source === 'user' ? 'yours' : 'shipped'}: ${source.preset.path}`
    : source.name;
  lines.push(`${title} (${where})`);
  if (workflow.meta?.description) lines.push(workflow.meta.description);
  const form = workflow.form ?? [];
  if (form.length === 0) {
    lines.push('', 'This workflow has no form; any node.param can be set (layerflow nodes lists each node’s params).');
    return `${lines.join('\n')}\n`;
  }
  lines.push('', 'Form fields (set with --set <field>=<value>):');
  const width = Math.max(...form.map((f) => `${f.node}.${f.param}`.length));
  for (const f of form) {
    const node = workflow.nodes[f.node];
    const spec = node && registry.get(node.type, node.typeVersion);
    const props = spec ? ((registry.describeNode(spec).params.properties ?? {}) as Record<string, ParamSchema>) : {};
    const s = props[f.param] ?? {};
    const value = node?.params[f.param] ?? s.default;
    const key = `${f.node}.${f.param}`.padEnd(width);
    lines.push(`  ${key}  ${f.label ?? s.label ?? f.param}`);
    lines.push(`  ${' '.repeat(width)}  default: ${shownValue(value, s.choices)} · ${accepts(s)}`);
  }
  lines.push('', 'Other params of the workflow can be set the same way (layerflow nodes lists each node’s params).');
  return `${lines.join('\n')}\n`;
}
