/** What went wrong building a DiT graph; programs switch on it, users read the message. */
export type DitErrorCode = 'missing-weight' | 'weight-shape' | 'weight-range' | 'cond-splice';

/** An error naming the weight or config field (`where`) that made the DiT unbuildable. */
export class DitError extends Error {
  override readonly name = 'DitError';

  constructor(
    readonly code: DitErrorCode,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}
