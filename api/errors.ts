/** An API-level failure with a code programs switch on and a message users read. */
export class StudioError extends Error {
  constructor(
    readonly code: 'not-found' | 'bad-request' | 'conflict',
    message: string,
    /** For a refused workflow: its problems, addressed to node and field (or a path of the file). */
    readonly issues?: { nodeId?: string; field?: string; path?: string; code: string; message: string }[],
  ) {
    super(message);
    this.name = 'StudioError';
  }
}
