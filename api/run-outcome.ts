/**
 * What a run's outcome says beyond its status, shared by the CLI's last line, the editor's run panel and
 * its History rows so all tell the same story from the same signal: how many files its manifest lists.
 */

/** A run that finished but wrote no file: the user got nothing, which "finished" alone would hide. */
export function savedNothing(status: string, savedFiles: number | undefined): boolean {
  return status === 'finished' && savedFiles === 0;
}

/** The status as a front end shows it: "finished · nothing saved" for such a run, else the status itself. */
export function outcomeLabel(status: string, savedFiles: number | undefined): string {
  return savedNothing(status, savedFiles) ? 'finished · nothing saved' : status;
}

/** What to tell the user about such a run; `more` names a way out that only one front end has. */
export function nothingSavedText(more = ''): string {
  return `nothing was saved: no Save node ran (add Save Video or Save Image${more})`;
}
