import type { JobState } from './run-node.ts';
import type { NodeSpec } from './spec.ts';
import type { ValidationError } from './validation-error.ts';

/** Why a run failed: the node, the shapes of what it was given, and the cause. */
export interface RunError {
  /** `node-failed` or `invalid-workflow`. */
  code: string;
  message: string;
  nodeId?: string;
  /** The node's param or input the failure is about, when the node said (e.g. a file too large to decode). */
  field?: string;
  /** Per connected input, the shape of the value it got (e.g. "Video 16f 64×64 RGBA"). */
  inputs: Record<string, string>;
  cause?: unknown;
}

/** The error of a node that threw: its message names the node, its inputs' shapes and the cause. */
export function nodeFailure(
  state: JobState,
  id: string,
  spec: NodeSpec,
  inputs: Record<string, unknown>,
  cause: unknown,
): RunError {
  const shapes = inputShapes(state, spec, inputs);
  const because = cause instanceof Error ? cause.message : String(cause);
  const given = Object.entries(shapes).map(([name, text]) => `${name}: ${text}`);
  const suffix = given.length > 0 ? ` (inputs: ${given.join(', ')})` : '';
  const field = fieldOf(cause, spec);
  return {
    code: 'node-failed',
    message: `node "${id}" (${spec.type}) failed${field ? ` on ${field}` : ''}: ${because}${suffix}`,
    nodeId: id,
    ...(field ? { field } : {}),
    inputs: shapes,
    cause,
  };
}

/** The param or input a node's error names (`field`), when it is one the node has. */
function fieldOf(cause: unknown, spec: NodeSpec): string | undefined {
  const field = (cause as { field?: unknown } | null)?.field;
  if (typeof field !== 'string') return undefined;
  return Object.hasOwn(spec.params.shape, field) || Object.hasOwn(spec.inputs, field) ? field : undefined;
}

/** The error of a workflow that did not pass validation; no node ran. */
export function invalidWorkflow(issues: ValidationError[]): RunError {
  const listed = issues.slice(0, 5).map((i) => `node ${i.nodeId}${i.field ? ` · ${i.field}` : ''}: ${i.message}`);
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
  return {
    code: 'invalid-workflow',
    message: `workflow is invalid: ${listed.join('; ')}${more}`,
    nodeId: issues[0]?.nodeId,
    inputs: {},
    cause: issues,
  };
}

/** Shapes by the port kinds' typeOf and describe; the declared type where a kind cannot tell. */
function inputShapes(state: JobState, spec: NodeSpec, inputs: Record<string, unknown>): Record<string, string> {
  const { kinds } = state.registry;
  const entries = Object.entries(inputs).map(([name, value]) => {
    const declared = spec.inputs[name].type;
    try {
      return [name, kinds.describe(kinds.get(declared.kind)?.typeOf?.(value) ?? declared)];
    } catch (err) {
      // A value its kind cannot read is itself a clue to the failure.
      return [name, `${kinds.describe(declared)} (unreadable: ${err instanceof Error ? err.message : String(err)})`];
    }
  });
  return Object.fromEntries(entries);
}
