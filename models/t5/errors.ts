/** What went wrong building a T5 encoder graph; programs switch on it, users read the message. */
export type T5ErrorCode = 'missing-weight' | 'weight-shape' | 'weight-range';

/** An error naming the weight (`where`) that made the encoder unbuildable. */
export class T5Error extends Error {
  override readonly name = 'T5Error';

  constructor(
    readonly code: T5ErrorCode,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}
