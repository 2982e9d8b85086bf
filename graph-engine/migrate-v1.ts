import type { z } from 'zod';
import { isRecord } from './json.ts';
import type { LoadIssue } from './load-issue.ts';

/** Whatever can name a node type's params in order (a NodeRegistry fits). */
export interface ParamOrder {
  get(type: string, version?: number): { version: number; params: z.ZodObject } | undefined;
}

type Doc = Record<string, unknown>;
const LAYOUT_KEYS = new Set(['groups', 'viewport']);

/**
 * Version 1 differs from 2 in three ways: edges could be listed in a top-level
 * `links: [[fromNode, fromOutput, toNode, toInput], …]` array, params could be positional
 * (`widgets_values`, named by the order of the node spec's params) and `typeVersion` could be left
 * out, and node positions sat directly in `layout` beside `groups` and `viewport`. Anything malformed
 * is left in place for the version 2 schema to report at its path.
 */
export function migrateV1(doc: Doc, order?: ParamOrder): { doc: Doc; issues: LoadIssue[] } {
  const issues: LoadIssue[] = [];
  const { links, ...rest } = doc;
  const out: Doc = { ...rest, schemaVersion: 2 };
  if (isRecord(doc.nodes)) {
    out.nodes = Object.fromEntries(
      Object.entries(doc.nodes).map(([id, node]) => [id, isRecord(node) ? migrateNode(id, node, order, issues) : node]),
    );
    if (links !== undefined) applyLinks(links, out.nodes as Doc, issues);
  } else if (links !== undefined) out.links = links;
  if (isRecord(doc.layout)) out.layout = migrateLayout(doc.layout);
  return { doc: out, issues };
}

function migrateNode(id: string, node: Doc, order: ParamOrder | undefined, issues: LoadIssue[]): Doc {
  const { widgets_values: widgets, ...rest } = node;
  const spec = typeof node.type === 'string' ? order?.get(node.type, versionOf(node)) : undefined;
  const out: Doc = { ...rest, typeVersion: node.typeVersion ?? spec?.version ?? 1 };
  if (widgets === undefined) return out;
  const at = `nodes.${id}.widgets_values`;
  if (!Array.isArray(widgets)) {
    issues.push({ path: at, code: 'invalid_type', message: 'widgets_values must be an array' });
    return out;
  }
  if (!spec) {
    const message = `cannot name the positional params of node type "${String(node.type)}": it is not installed`;
    issues.push({ path: at, code: 'unnamed-widgets', message });
    return out;
  }
  const names = Object.keys(spec.params.shape);
  if (widgets.length > names.length) {
    const message = `${widgets.length} positional params but ${String(node.type)} has ${names.length}`;
    issues.push({ path: at, code: 'extra-widgets', message });
  }
  // Indexed reads only: no slice/map, which a sparse array or one carrying an own `constructor` (possible
  // outside JSON) would turn into holes or a throw.
  const count = Math.min(widgets.length, names.length);
  const named = Object.fromEntries(Array.from({ length: count }, (_, i) => [names[i], widgets[i]]));
  // Named params written alongside win over positional ones.
  out.params = isRecord(node.params) ? { ...named, ...node.params } : named;
  return out;
}

function versionOf(node: Doc): number | undefined {
  return typeof node.typeVersion === 'number' ? node.typeVersion : undefined;
}

/** Moves each `[fromNode, fromOutput, toNode, toInput]` into the target node's `inputs`. */
function applyLinks(links: unknown, nodes: Doc, issues: LoadIssue[]): void {
  if (!Array.isArray(links)) {
    issues.push({ path: 'links', code: 'invalid_type', message: 'links must be an array of 4-element arrays' });
    return;
  }
  links.forEach((link, i) => {
    const at = `links.${i}`;
    if (!Array.isArray(link) || link.length !== 4 || !link.every((part) => typeof part === 'string')) {
      issues.push({ path: at, code: 'bad-link', message: 'a link is [fromNode, fromOutput, toNode, toInput]' });
      return;
    }
    const [node, output, to, input] = link as string[];
    const target = Object.hasOwn(nodes, to) ? nodes[to] : undefined;
    if (!isRecord(target)) {
      issues.push({ path: at, code: 'dangling-link', message: `link goes to node "${to}", which does not exist` });
      return;
    }
    const inputs = target.inputs ?? {};
    if (!isRecord(inputs)) return;
    if (Object.hasOwn(inputs, input)) {
      issues.push({ path: at, code: 'duplicate-link', message: `input "${input}" of node "${to}" is linked twice` });
      return;
    }
    target.inputs = { ...inputs, [input]: { node, output } };
  });
}

/** `{ <id>: {x, y}, groups, viewport }` → `{ nodes: { <id>: {x, y} }, groups, viewport }`. */
function migrateLayout(layout: Doc): Doc {
  const nodes = Object.fromEntries(Object.entries(layout).filter(([key]) => !LAYOUT_KEYS.has(key)));
  const out: Doc = Object.fromEntries(Object.entries(layout).filter(([key]) => LAYOUT_KEYS.has(key)));
  return Object.keys(nodes).length > 0 ? { ...out, nodes } : out;
}
