/**
 * What a run's outcome says beyond its status, shared by the CLI's last line and the editor's run panel
 * so both tell the same story from the same signal: the files its manifest lists.
 */

/** A run that finished but wrote no file: the user got nothing, which "finished" alone would hide. */
export function savedNothing(status: string, files: readonly unknown[]): boolean {
  return status === 'finished' && files.length === 0;
}

/** What to tell the user about such a run; `more` names a way out that only one front end has. */
export function nothingSavedText(more = ''): string {
  return `nothing was saved: no Save node ran (add Save Video or Save Image${more})`;
}
