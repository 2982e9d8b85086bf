/** Process exit codes of `layerflow`, as `layerflow --help` documents them. */
export const EXIT = {
  ok: 0,
  /** The workflow is invalid, or the run failed. */
  failed: 1,
  /** Bad command line: unknown command or option, missing file, unknown node or param in --set. */
  usage: 2,
  /** The run was cancelled (Ctrl-C). */
  cancelled: 130,
} as const;

/** A failure main reports as one message on stderr before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command-line mistake (exit 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage, 'usage');
    this.name = 'UsageError';
  }
}
