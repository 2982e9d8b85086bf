import { z } from 'zod';
import { isRecord, tooDeepAt } from './json.ts';
import { LIMITS } from './limits.ts';
import { fromZodIssues, type LoadIssue } from './load-issue.ts';
import { CURRENT_SCHEMA_VERSION, migrateWorkflow, type ParamOrder } from './migrate.ts';

export type { LoadIssue } from './load-issue.ts';

/**
 * The one workflow file format: name-keyed nodes whose inputs name the node and output they read.
 * Layout, form and meta are for people (the editor, preset forms) and never affect execution.
 */

/** Names every JS object already has: as keys they reach the prototype instead of a value of their own. */
const RESERVED = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const reservedMessage = (key: unknown) =>
  `"${String(key)}" is a reserved name (a property every JavaScript object has); choose another`;

/** A key of a name-keyed map of the file (nodes, params, inputs) that is not one of JavaScript's own names. */
const OwnKeySchema = z.string().refine((k) => !RESERVED.has(k), { error: (i) => reservedMessage(i.input) });

/** Node ids appear in paths like `nodes.<id>.params.steps`, so they hold no dots or spaces. */
export const NodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/, 'a node id is 1–128 letters, digits, "_" or "-"')
  .pipe(OwnKeySchema);

/**
 * Reserved names used as node ids, params or inputs. Checked before the schema, which would drop a
 * `__proto__` key without a word (JSON.parse makes it an own key; zod's records skip it).
 */
export function reservedKeyIssues(doc: unknown): LoadIssue[] {
  const issues: LoadIssue[] = [];
  if (!isRecord(doc)) return issues;
  const check = (map: unknown, path: string) => {
    if (!isRecord(map)) return;
    for (const key of Object.keys(map)) {
      if (RESERVED.has(key))
        issues.push({ path: `${path}.${key}`, code: 'reserved-name', message: reservedMessage(key) });
    }
  };
  check(doc.nodes, 'nodes');
  for (const [id, node] of isRecord(doc.nodes) ? Object.entries(doc.nodes) : []) {
    if (!isRecord(node) || RESERVED.has(id)) continue;
    check(node.params, `nodes.${id}.params`);
    check(node.inputs, `nodes.${id}.inputs`);
  }
  return issues;
}

/** Where an input reads from: an output of another node. */
export const LinkSchema = z.strictObject({ node: NodeIdSchema, output: z.string().min(1) });
export type Link = z.infer<typeof LinkSchema>;

/**
 * How a node takes part in runs, as ComfyUI users know it: `bypass` passes an input of the same kind on
 * as each output (the node itself does not run); `mute` leaves it, and whatever needs it, out.
 */
export const NodeModeSchema = z.enum(['bypass', 'mute']);
export type NodeMode = z.infer<typeof NodeModeSchema>;

export const WorkflowNodeSchema = z.strictObject({
  type: z.string().min(1),
  typeVersion: z.number().int().min(1),
  params: z.record(OwnKeySchema, z.unknown()).default({}),
  inputs: z.record(OwnKeySchema, LinkSchema).default({}),
  /** Absent: the node runs when something needs it. */
  mode: NodeModeSchema.optional(),
  /** A name the user gave the node (for people only: shown on it, on its output tracks, in fields' names). */
  title: z.string().max(200).optional(),
});
export type WorkflowNode = z.infer<typeof WorkflowNodeSchema>;

const PointSchema = z.strictObject({ x: z.number(), y: z.number() });

/** A titled box around some nodes in the editor. */
export const GroupSchema = z.looseObject({
  id: z.string().min(1),
  title: z.string().optional(),
  nodes: z.array(z.string()),
});

export const LayoutSchema = z.strictObject({
  nodes: z.record(z.string(), PointSchema).optional(),
  groups: z.array(GroupSchema).optional(),
  viewport: z.strictObject({ x: z.number(), y: z.number(), zoom: z.number().positive() }).optional(),
});

/** One param a preset's form exposes, by node and param name. */
export const FormFieldSchema = z.strictObject({
  node: NodeIdSchema,
  param: z.string().min(1),
  label: z.string().optional(),
});
export type FormField = z.infer<typeof FormFieldSchema>;

export const WorkflowSchema = z.looseObject({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  nodes: z.record(NodeIdSchema, WorkflowNodeSchema),
  layout: LayoutSchema.optional(),
  form: z.array(FormFieldSchema).optional(),
  meta: z.looseObject({ title: z.string().optional(), description: z.string().optional() }).optional(),
});
export type Workflow = z.infer<typeof WorkflowSchema>;

export type LoadResult = { ok: true; workflow: Workflow; migratedFrom?: number } | { ok: false; issues: LoadIssue[] };

export interface LoadOptions {
  /** Names positional params (`widgets_values`) of old files; a NodeRegistry fits. */
  registry?: ParamOrder;
}

/** Migrates and checks a parsed workflow file; reports every problem with its path, never throws. */
export function loadWorkflow(json: unknown, opts: LoadOptions = {}): LoadResult {
  const deep = tooDeepAt(json, LIMITS.workflowDepth);
  if (deep) {
    const message = `nested deeper than ${LIMITS.workflowDepth} levels (a workflow file never needs that)`;
    return {
      ok: false,
      issues: [{ path: deep.slice(0, 4).join('.') + (deep.length > 4 ? '…' : ''), code: 'too-deep', message }],
    };
  }
  const migrated = migrateWorkflow(json, opts.registry);
  if (!migrated.ok) return migrated;
  const reserved = reservedKeyIssues(migrated.doc);
  if (reserved.length > 0) return { ok: false, issues: reserved };
  const parsed = WorkflowSchema.safeParse(migrated.doc);
  const issues = [...migrated.issues, ...(parsed.success ? [] : fromZodIssues(parsed.error.issues))];
  const count = parsed.success ? Object.keys(parsed.data.nodes).length : 0;
  if (count > LIMITS.workflowNodes) {
    issues.push({ path: 'nodes', code: 'too-many-nodes', message: `${count} nodes; at most ${LIMITS.workflowNodes}` });
  }
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return migrated.from === undefined
    ? { ok: true, workflow: parsed.data }
    : { ok: true, workflow: parsed.data, migratedFrom: migrated.from };
}

/** JSON Schema of the current workflow format, for editors and other tools. */
export function workflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WorkflowSchema, { io: 'input' }) as Record<string, unknown>;
}
