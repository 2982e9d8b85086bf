/** An API-level failure with a code programs switch on and a message users read. */
export class StudioError extends Error {
  constructor(
    readonly code: 'not-found' | 'bad-request' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}
