/** What is wrong with a released weight file or folder; programs switch on it, users read the message. */
export type WeightFileErrorCode =
  | 'missing-file'
  | 'bad-file'
  | 'truncated'
  | 'unknown-dtype'
  | 'missing-key'
  | 'unexpected-key'
  | 'shape-mismatch'
  | 'bad-config'
  | 'unsupported-tokenizer';

/** An error naming the file (and the key inside it, when one is at fault). */
export class WeightFileError extends Error {
  override readonly name = 'WeightFileError';

  constructor(
    readonly code: WeightFileErrorCode,
    readonly file: string,
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}
