import { z } from 'zod';
import { fromZodIssues, type LoadIssue } from './load-issue.ts';
import { CURRENT_SCHEMA_VERSION, migrateWorkflow, type ParamOrder } from './migrate.ts';

export type { LoadIssue } from './load-issue.ts';

/**
 * The one workflow file format: name-keyed nodes whose inputs name the node and output they read.
 * Layout, form and meta are for people (the editor, preset forms) and never affect execution.
 */

/** Node ids appear in paths like `nodes.<id>.params.steps`, so they hold no dots or spaces. */
export const NodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/, 'a node id is 1–128 letters, digits, "_" or "-"');

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
  params: z.record(z.string(), z.unknown()).default({}),
  inputs: z.record(z.string(), LinkSchema).default({}),
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
  const migrated = migrateWorkflow(json, opts.registry);
  if (!migrated.ok) return migrated;
  const parsed = WorkflowSchema.safeParse(migrated.doc);
  const issues = [...migrated.issues, ...(parsed.success ? [] : fromZodIssues(parsed.error.issues))];
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return migrated.from === undefined
    ? { ok: true, workflow: parsed.data }
    : { ok: true, workflow: parsed.data, migratedFrom: migrated.from };
}

/** JSON Schema of the current workflow format, for editors and other tools. */
export function workflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WorkflowSchema, { io: 'input' }) as Record<string, unknown>;
}
