import type { z } from 'zod';

/** A problem with a workflow file itself, at its JSON path (e.g. `nodes.sampler.params.steps`). */
export interface LoadIssue {
  path: string;
  code: string;
  message: string;
}

/** `nodes.a.params.steps`; the empty path (the whole file) is written as "(root)". */
export function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** Turns zod issues into load issues, one per offending key (zod groups unknown keys in one issue). */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): LoadIssue[] {
  return issues.flatMap((issue): LoadIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: pathText([...issue.path, key]),
        code: 'unknown-key',
        message: `unknown key "${key}"`,
      }));
    }
    if (issue.code === 'invalid_key') {
      const why = issue.issues[0]?.message ?? issue.message;
      return [
        { path: pathText(issue.path), code: 'bad-key', message: `bad key "${String(issue.path.at(-1))}": ${why}` },
      ];
    }
    return [{ path: pathText(issue.path), code: issue.code, message: issue.message }];
  });
}
