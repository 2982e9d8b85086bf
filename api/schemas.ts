import { z } from 'zod';
import { JobErrorSchema, JobStatusSchema, NodeTimingSchema } from '../graph-engine/job.ts';
import { PortTypeSchema } from '../graph-engine/ports.ts';

/**
 * Wire schemas of the API: the router's inputs and outputs, and so the renderer's types. The workflow
 * document is checked loosely here (object shape only); the engine's loader migrates and validates it
 * and reports problems per node, which is what the editor shows.
 */

export type { PortType } from '../graph-engine/ports.ts';
export { PortTypeSchema };

export const SafeNameSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[\w][\w .-]*$/, 'use letters, digits, spaces, ".", "-" or "_" (no slashes)');

export const LinkSchema = z.object({ node: z.string(), output: z.string() });

export const WorkflowNodeSchema = z.object({
  type: z.string(),
  typeVersion: z.number().int().optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  inputs: z.record(z.string(), LinkSchema).default({}),
});

export const FormFieldSchema = z.object({
  node: z.string(),
  param: z.string(),
  label: z.string().optional(),
});

export const WorkflowDocSchema = z.looseObject({
  schemaVersion: z.number().int(),
  nodes: z.record(z.string(), WorkflowNodeSchema),
  layout: z.record(z.string(), z.unknown()).optional(),
  form: z.array(FormFieldSchema).optional(),
  meta: z.looseObject({ title: z.string().optional(), description: z.string().optional() }).optional(),
});
export type WorkflowDoc = z.infer<typeof WorkflowDocSchema>;

export const PortInfoSchema = z.object({
  type: PortTypeSchema,
  optional: z.boolean().optional(),
  docs: z.string().optional(),
});

/** A node spec as the editor sees it: ports, and params as JSON Schema with the `.meta()` UI hints. */
export const NodeInfoSchema = z.object({
  type: z.string(),
  version: z.number().int(),
  category: z.string(),
  title: z.string(),
  docs: z.string(),
  purity: z.enum(['pure', 'seeded', 'external', 'sink']),
  inputs: z.record(z.string(), PortInfoSchema),
  outputs: z.record(z.string(), PortInfoSchema),
  params: z.record(z.string(), z.unknown()),
  defaults: z.record(z.string(), z.unknown()),
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;

export const PortKindInfoSchema = z.object({ name: z.string(), color: z.string(), docs: z.string() });
export type PortKindInfo = z.infer<typeof PortKindInfoSchema>;

export const CatalogueSchema = z.object({ nodes: z.array(NodeInfoSchema), kinds: z.array(PortKindInfoSchema) });
export type Catalogue = z.infer<typeof CatalogueSchema>;

/** A problem addressed to a node and, where known, one of its params or inputs. */
export const IssueSchema = z.object({
  nodeId: z.string().optional(),
  field: z.string().optional(),
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

export const InferredSchema = z.object({
  outputs: z.record(z.string(), z.record(z.string(), PortTypeSchema)),
  edges: z.array(EdgeTypeSchema),
  issues: z.array(IssueSchema),
});
export type Inferred = z.infer<typeof InferredSchema>;

export const CheckLinkInputSchema = z.object({
  workflow: WorkflowDocSchema,
  from: LinkSchema,
  to: z.object({ node: z.string(), input: z.string() }),
});

export const JobStateSchema = JobStatusSchema;
export type JobState = z.infer<typeof JobStateSchema>;

export const JobSummarySchema = z.looseObject({
  id: z.string(),
  status: JobStateSchema,
  title: z.string().optional(),
  createdAt: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  targets: z.array(z.string()).optional(),
  error: JobErrorSchema.optional(),
  nodes: z.record(z.string(), NodeTimingSchema).optional(),
});
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const JobDetailSchema = JobSummarySchema.extend({
  workflow: WorkflowDocSchema.optional(),
  manifest: z.unknown().optional(),
});
export type JobDetail = z.infer<typeof JobDetailSchema>;

export const SubmitInputSchema = z.object({
  workflow: WorkflowDocSchema,
  /** Node ids to run up to; all sinks when left out. */
  targets: z.array(z.string()).optional(),
  title: z.string().optional(),
});

/** An engine event (progress, preview, timing, cache hit, job state) as it crosses the wire. */
export const EventSchema = z.looseObject({ type: z.string(), jobId: z.string() });
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
