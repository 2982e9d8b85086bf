import { z } from 'zod';
import { EngineEventSchema } from '../graph-engine/events.ts';
import { JobStatusSchema } from '../graph-engine/job.ts';
import { BackendJobSchema } from '../graph-engine/job-backend.ts';
import { PortTypeSchema } from '../graph-engine/ports.ts';
import { FormFieldSchema, LinkSchema, WorkflowSchema } from '../graph-engine/workflow.ts';
import { SAFE_NAME, SAFE_NAME_HINT, SAFE_NAME_MAX } from './safe-name.ts';

/**
 * Wire schemas of the API: the router's inputs and outputs, and so the renderer's types. Workflows,
 * jobs and events are the engine's own schemas, so the editor, the CLI and the queue agree on one
 * format; this file only adds what exists for the wire (catalogue, inferred edges, files, presets).
 */

export type { PortType } from '../graph-engine/ports.ts';
export { FormFieldSchema, LinkSchema, PortTypeSchema };

export const SafeNameSchema = z.string().min(1).max(SAFE_NAME_MAX).regex(SAFE_NAME, SAFE_NAME_HINT);

/**
 * A workflow in the current schemaVersion. Older files are migrated where they are read (workflow and
 * preset loads), so the editor only ever holds current documents.
 */
export const WorkflowDocSchema = WorkflowSchema;
export type WorkflowDoc = z.infer<typeof WorkflowDocSchema>;

export const PortInfoSchema = z.object({
  type: PortTypeSchema,
  optional: z.boolean().optional(),
  docs: z.string().optional(),
  /** Socket colour of the port's kind. */
  color: z.string().optional(),
  /** Shape text of the declared type, e.g. "? layers × ?f ?×?". */
  text: z.string().optional(),
});

/** A node spec as the editor sees it (the engine's NodeRegistry.describeNode()). */
export const NodeInfoSchema = z.object({
  type: z.string(),
  version: z.number().int(),
  category: z.string(),
  title: z.string(),
  docs: z.string(),
  purity: z.enum(['pure', 'seeded', 'external', 'sink']),
  inputs: z.record(z.string(), PortInfoSchema),
  outputs: z.record(z.string(), PortInfoSchema),
  /** Params as JSON Schema, with the `.meta()` UI hints. */
  params: z.record(z.string(), z.unknown()),
  defaults: z.record(z.string(), z.unknown()),
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

export const PortKindInfoSchema = z.object({ name: z.string(), color: z.string(), docs: z.string() });
export type PortKindInfo = z.infer<typeof PortKindInfoSchema>;

export const CatalogueSchema = z.object({ nodes: z.array(NodeInfoSchema), kinds: z.array(PortKindInfoSchema) });
export type Catalogue = z.infer<typeof CatalogueSchema>;

/**
 * A problem addressed to a node and, where known, one of its params or inputs (the engine's validation
 * errors), or to a path in the file when the file itself does not load.
 */
export const IssueSchema = z.object({
  nodeId: z.string().optional(),
  field: z.string().optional(),
  path: z.string().optional(),
  code: z.string(),
  message: z.string(),
});
export type Issue = z.infer<typeof IssueSchema>;

export const EdgeTypeSchema = z.object({
  from: LinkSchema,
  to: z.object({ node: z.string(), input: z.string() }),
  type: PortTypeSchema.optional(),
  text: z.string(),
  mismatch: z.string().nullable(),
});
export type EdgeType = z.infer<typeof EdgeTypeSchema>;

/** Something a node says about the workflow that blocks nothing: a resize it will do, a caveat. */
export const NoteSchema = z.object({
  nodeId: z.string(),
  field: z.string(),
  level: z.enum(['info', 'warning']),
  message: z.string(),
});
export type Note = z.infer<typeof NoteSchema>;

/** What a file node's file holds, read while editing (shown on the node). */
export const MediaFactsSchema = z.looseObject({
  frames: z.number(),
  width: z.number(),
  height: z.number(),
  fps: z.number(),
  alpha: z.boolean(),
  thumbnail: z.string().optional(),
});
export type MediaFacts = z.infer<typeof MediaFactsSchema>;

export const InferredSchema = z.object({
  outputs: z.record(z.string(), z.record(z.string(), PortTypeSchema)),
  edges: z.array(EdgeTypeSchema),
  issues: z.array(IssueSchema),
  notes: z.array(NoteSchema).default([]),
  /** Per file node: what its file holds. */
  media: z.record(z.string(), MediaFactsSchema).default({}),
});
export type Inferred = z.infer<typeof InferredSchema>;

export const CheckLinkInputSchema = z.object({
  workflow: WorkflowDocSchema,
  from: LinkSchema,
  to: z.object({ node: z.string(), input: z.string() }),
});

/** The queue's job states: queued, running, finished, failed, cancelled. */
export const JobStateSchema = JobStatusSchema;
export type JobState = z.infer<typeof JobStateSchema>;

/**
 * A job as the queue records it, less what stays on the engine's side (resolved workflow, folders); farm
 * jobs also say which worker and device ran them and how many runs they took.
 */
export const JobSummarySchema = BackendJobSchema.omit({
  workflow: true,
  seeds: true,
  outDir: true,
  interruptions: true,
  manifestPath: true,
});
export type JobSummary = z.infer<typeof JobSummarySchema>;

/** One job with the workflow it runs (seeds resolved) and the seed of each seeded node. */
export const JobDetailSchema = JobSummarySchema.extend({
  workflow: BackendJobSchema.shape.workflow,
  seeds: BackendJobSchema.shape.seeds,
});
export type JobDetail = z.infer<typeof JobDetailSchema>;

export const SubmitInputSchema = z.object({
  workflow: WorkflowDocSchema,
  /** Node ids to run up to; all sinks when left out. */
  targets: z.array(z.string()).optional(),
  title: z.string().optional(),
});

/** An engine event (job and node states, progress, previews, cache hits, logs) as it crosses the wire. */
export const EventSchema = EngineEventSchema;
export type StudioEvent = z.infer<typeof EventSchema>;

export const FormSchema = z.array(FormFieldSchema);
export const PresetSummarySchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  source: z.enum(['builtin', 'user']),
});
export type PresetSummary = z.infer<typeof PresetSummarySchema>;

export const PackSummarySchema = z.looseObject({
  name: z.string(),
  kind: z.string(),
  variant: z.string().optional(),
  path: z.string(),
});
export type PackSummary = z.infer<typeof PackSummarySchema>;

export const OutputFileSchema = z.object({
  path: z.string(),
  size: z.number(),
  /** Server-relative URL; the client appends its token. */
  url: z.string(),
});
export type OutputFile = z.infer<typeof OutputFileSchema>;

export const WorkflowFileSchema = z.object({ name: z.string(), modified: z.number() });

/** What a dropped or opened file holds: a workflow document or a run manifest; `name` is the file's. */
export const ImportInputSchema = z.object({ json: z.unknown(), name: z.string().max(300) });
export const ImportedWorkflowSchema = z.object({ workflow: WorkflowDocSchema, title: z.string() });
export type ImportedWorkflow = z.infer<typeof ImportedWorkflowSchema>;
