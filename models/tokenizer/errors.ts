/** What went wrong reading or writing a tokenizer file; programs switch on it, users read the message. */
export type TokenizerErrorCode = 'bad-model' | 'bad-json' | 'missing-piece' | 'bad-length';

/** An error naming the file or field (`where`) that made the tokenizer unusable. */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';

  constructor(
    readonly code: TokenizerErrorCode,
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}
