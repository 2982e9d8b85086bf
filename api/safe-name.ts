/** Names of saved workflows and presets: one file each, so no folders and nothing a shell would trip on. */
export const SAFE_NAME = /^[\w][\w .-]*$/;
export const SAFE_NAME_MAX = 120;
export const SAFE_NAME_HINT = 'use letters, digits, spaces, ".", "-" or "_" (no slashes)';

/** Why `name` cannot be a file name here, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'type a name';
  if (name.length > SAFE_NAME_MAX) return `at most ${SAFE_NAME_MAX} characters`;
  return SAFE_NAME.test(name) ? undefined : SAFE_NAME_HINT;
}
