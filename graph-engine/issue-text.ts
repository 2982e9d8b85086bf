import type { LoadIssue } from './load-issue.ts';

/** A workflow problem as people read it: addressed to a node and field where there is one. */
export interface AddressedIssue {
  nodeId?: string;
  field?: string;
  code: string;
  message: string;
}

/** Turns a loader issue's path (`nodes.<id>.<field…>`) into a node and field. */
export function fromLoadIssue(issue: LoadIssue): AddressedIssue {
  // The loader writes the whole file's path as "(root)".
  const parts = issue.path === '(root)' ? [] : issue.path.split('.');
  const [head, nodeId, ...rest] = parts;
  const { code, message } = issue;
  if (head === 'nodes' && nodeId !== undefined) {
    return { nodeId, ...(rest.length > 0 ? { field: rest.join('.') } : {}), code, message };
  }
  return { ...(parts.length > 0 ? { field: parts.join('.') } : {}), code, message };
}

/** `node <id> · <field>: <message>`, or `workflow · <field>: …` for problems outside any node. */
export function formatIssue(issue: AddressedIssue): string {
  const where = issue.nodeId === undefined ? 'workflow' : `node ${issue.nodeId}`;
  return `${where}${issue.field ? ` · ${issue.field}` : ''}: ${issue.message}`;
}
