/** The engine's public API: workflow files, node registry, validation, seeds, cache, execution, events. */
export { type CacheEntry, type CacheStats, cacheKey, estimateBytes, type KeyIngredients, ValueCache } from './cache.ts';
export { type EngineEvent, EngineEventSchema, type EngineEventType, type EventOf, PreviewSchema } from './events.ts';
export { type ExecuteOptions, executeWorkflow, type NodeRun, type RunError, type RunResult } from './execute.ts';
export { ancestors, defaultTargets, topologicalOrder } from './graph.ts';
export { type GraphTypes, inferGraphTypes } from './infer.ts';
export { inProcessRunner, type JobRunner, RunnerCrashedError, type RunSummary } from './job-runner.ts';
export { canonicalJson } from './json.ts';
export { LIMITS } from './limits.ts';
export { CURRENT_SCHEMA_VERSION, migrateWorkflow, type ParamOrder } from './migrate.ts';
export { ANY_KIND, type Mismatch, type PortKind, PortKindRegistry, type PortType, PortTypeSchema } from './ports.ts';
export type { HistoryQuery, Queue, SubmitOptions } from './queue-interface.ts';
export { type NodeDescription, NodeRegistry, type PortDescription, type RegistryDescription } from './registry.ts';
export { MissingOutputError } from './run-node.ts';
export { randomSeed, resolveSeeds, SEED_PARAM } from './seeds.ts';
export {
  defineNode,
  type InferResult,
  type InputPort,
  type Logger,
  type NodeSpec,
  type OutputPort,
  type Purity,
  type RunContext,
  type SpecIssue,
} from './spec.ts';
export { type ValidateOptions, validateWorkflow } from './validate.ts';
export { type ValidationCode, type ValidationError, ValidationErrorSchema } from './validation-error.ts';
export {
  type FormField,
  FormFieldSchema,
  type Link,
  LinkSchema,
  type LoadIssue,
  type LoadOptions,
  type LoadResult,
  loadWorkflow,
  type Workflow,
  type WorkflowNode,
  WorkflowNodeSchema,
  WorkflowSchema,
  workflowJsonSchema,
} from './workflow.ts';
