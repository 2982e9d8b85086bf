import type { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { type AddressedIssue, fromLoadIssue } from '../graph-engine/issue-text.ts';
import { isRecord } from '../graph-engine/json.ts';
import { fromZodIssues, type LoadIssue } from '../graph-engine/load-issue.ts';
import { reservedKeyIssues } from '../graph-engine/workflow.ts';
import { StudioError } from './errors.ts';

/** An issue from the loader (a path) or from validation (node and field), addressed to node and field. */
export function addressed(issue: { nodeId?: string; field?: string; path?: string; code: string; message: string }) {
  if (issue.path !== undefined && issue.nodeId === undefined) {
    return fromLoadIssue({ path: issue.path, code: issue.code, message: issue.message });
  }
  const { nodeId, field, code, message } = issue;
  return { ...(nodeId === undefined ? {} : { nodeId }), ...(field === undefined ? {} : { field }), code, message };
}

/** An API input refused before its schema ran, with the problems at their paths. */
export class InputIssuesError extends Error {
  constructor(readonly issues: LoadIssue[]) {
    super('invalid input');
    this.name = 'InputIssuesError';
  }
}

/** The workflow an API input carries: the input itself, or its `workflow` field. */
function workflowOf(input: unknown): unknown {
  return isRecord(input) && 'workflow' in input ? input.workflow : input;
}

/**
 * Reserved names as node ids, params or inputs of an input's workflow. Checked on the raw input: the
 * schema would drop a `__proto__` key without a word.
 */
export function reservedInputIssues(input: unknown): LoadIssue[] {
  return reservedKeyIssues(workflowOf(input));
}

/**
 * A refused input's problems addressed to node and field as the CLI prints them, or undefined for other
 * errors. Paths inside the `workflow` field of an input are read as paths of the workflow.
 */
export function inputIssues(error: TRPCError): AddressedIssue[] | undefined {
  if (error.code !== 'BAD_REQUEST') return undefined;
  const { cause } = error;
  if (cause instanceof InputIssuesError) return cause.issues.map(fromLoadIssue);
  if (cause instanceof StudioError && cause.issues) return cause.issues.map(addressed);
  if (!(cause instanceof z.core.$ZodError)) return undefined;
  const issues = fromZodIssues(cause.issues).map((i) => ({ ...i, path: i.path.replace(/^workflow\./, '') }));
  return issues.map(fromLoadIssue);
}
